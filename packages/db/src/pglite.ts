import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { type ConnectOptions, createPool, type Database, once, ping } from './database.ts'
import { startPgliteServer } from './pglite-server.ts'

/** Room for clients besides our own pool, such as a child process given `serverUrl`. */
const EXTRA_CONNECTIONS = 16

/** An embedded database and the address its socket server listens on. */
export interface OpenPglite {
  database: Database
  /** `postgres://…@127.0.0.1:<port>/postgres`: other processes may connect here while it runs. */
  serverUrl: string
}

/**
 * Starts PGlite (in memory when `dataDir` is undefined, else persisted there, creating the
 * directory, seeded from the `template` tarball if given) and a postgres.js pool talking to it
 * through a local socket server.
 */
export async function openPglite(
  dataDir: string | undefined,
  description: string,
  options: ConnectOptions,
  template?: Blob,
): Promise<OpenPglite> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true })
  const db = await PGlite.create({ dataDir, loadDataDir: template })
  const max = options.max ?? 1
  const server = await prepare(db, options, max).catch(async (error: unknown) => {
    await db.close()
    throw error
  })
  // One session serves every connection; an idle timeout would only add reconnects.
  const sql = createPool(server.url, { max, idleTimeout: 0 }, options)
  const close = async () => {
    await sql.end({ timeout: 5 })
    await server.stop()
    await db.close()
  }
  const database: Database = {
    sql,
    kind: 'pglite',
    description,
    ping: (signal) => ping(sql, signal),
    close: once(close),
  }
  return { database, serverUrl: server.url }
}

async function prepare(db: PGlite, options: ConnectOptions, max: number) {
  await applySessionSettings(db, options)
  return startPgliteServer(db, max + EXTRA_CONNECTIONS)
}

/**
 * PGlite ignores the startup parameters a client sends, and all clients share its one session,
 * so search_path and application_name are set once on that session.
 */
async function applySessionSettings(db: PGlite, options: ConnectOptions): Promise<void> {
  if (options.searchPath !== undefined) {
    await db.query(`select set_config('search_path', $1, false)`, [options.searchPath])
  }
  if (options.applicationName !== undefined) {
    await db.query(`select set_config('application_name', $1, false)`, [options.applicationName])
  }
}
