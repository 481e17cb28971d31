import { type ConnectOptions, createPool, type Database, once, ping } from './database.ts'
import { openPglite } from './pglite.ts'
import { authOptions } from './rds-auth.ts'
import { parseDatabaseUrl } from './url.ts'

/**
 * Opens the database a URL names (see parseDatabaseUrl): `postgres://`/`postgresql://` opens a
 * lazy pool (the first query connects; call ping() to fail fast); `pglite://<dir>` or
 * `pglite://memory` starts PGlite and serves it to postgres.js over a socket on 127.0.0.1.
 * Never open one PGlite directory from two processes at once.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Database> {
  const location = parseDatabaseUrl(url)
  if (location.kind === 'pglite') {
    const { database } = await openPglite(location.dataDir, location.description, options)
    return database
  }
  const sql = createPool(
    location.url,
    { max: 10, idleTimeout: 30 },
    {
      ...options,
      searchPath: options.searchPath ?? location.searchPath,
    },
    authOptions(location.url, options.auth),
  )
  return {
    sql,
    kind: 'postgres',
    description: location.description,
    ping: (signal) => ping(sql, signal),
    close: once(() => sql.end({ timeout: 5 })),
  }
}
