import { type ConnectOptions, createPool, type Database, once, ping } from './database.ts'
import { authOptions } from './rds-auth.ts'
import { parseDatabaseUrl } from './url.ts'

/**
 * Opens the PostgreSQL server a `postgres://`/`postgresql://` URL names as a lazy pool: the first
 * query connects; call ping() to fail fast.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Database> {
  const location = parseDatabaseUrl(url)
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
    description: location.description,
    ping: (signal) => ping(sql, signal),
    close: once(() => sql.end({ timeout: 5 })),
  }
}
