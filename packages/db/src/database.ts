import postgres from 'postgres'
import { fromDbError } from './errors.ts'
import type { AuthOptions, DatabaseAuth } from './rds-auth.ts'

/** The postgres.js client every service writes its queries against. */
export type Sql = postgres.Sql

/** The client inside `sql.begin(tx => …)`. */
export type TransactionSql = postgres.TransactionSql

/** Options for {@link connect}. */
export interface ConnectOptions {
  /** Pool size. Default 10. */
  max?: number
  /** The connection's search_path; overrides a `search_path` parameter in the URL. */
  searchPath?: string
  /** Shown in pg_stat_activity on a server. */
  applicationName?: string
  /** Receives server notices (e.g. "relation already exists, skipping"). Default: dropped. */
  onnotice?: (notice: postgres.Notice) => void
  /** How a server connection authenticates (see DatabaseAuth). Default: password. */
  auth?: DatabaseAuth
}

/** An open database. */
export interface Database {
  /**
   * The postgres.js client. Types come back as postgres.js decodes them: NUMERIC and BIGINT
   * arrive as strings (exact), services convert where they need numbers. Its queries reject
   * with postgres.js's own errors, untranslated (wrapping every query would cost each one):
   * `fromDbError` turns a transient one into a DbError, and a kit service does that for every
   * error a request throws once its app calls `addErrorTranslator(fromDbError)`.
   */
  readonly sql: Sql
  /** The URL with any password masked, safe to log. */
  readonly description: string
  /**
   * Resolves when the database answers a trivial query; rejects on failure (a DbError when it is
   * unreachable), or with the signal's reason as soon as `signal` aborts (the query is cancelled).
   */
  ping(signal?: AbortSignal): Promise<void>
  /** Ends the pool (waiting up to 5 s for running queries). Later queries reject. Idempotent. */
  close(): Promise<void>
}

/** Builds a postgres.js pool with ferry's defaults. */
export function createPool(
  url: string,
  defaults: { max: number; idleTimeout: number },
  options: ConnectOptions,
  auth: AuthOptions = {},
): Sql {
  const connection: Record<string, string> = {}
  if (options.searchPath !== undefined) connection.search_path = options.searchPath
  if (options.applicationName !== undefined) connection.application_name = options.applicationName
  return postgres(url, {
    max: options.max ?? defaults.max,
    idle_timeout: defaults.idleTimeout,
    connect_timeout: 5,
    // postgres.js waits 3^n/100 s (up to 20 s) before the next connection attempt after n refused
    // ones, and queries issued meanwhile wait for that attempt: a few seconds of outage stalled
    // every query for up to 20 s after the server was back. Capped at 1 s, a query during an
    // outage fails within about a second and the pool is back within one of the server.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    connection,
    onnotice: options.onnotice ?? (() => {}),
    ...auth,
  })
}

/** Runs `select 1`, giving up when `signal` aborts; an unreachable database throws a DbError. */
export async function ping(sql: Sql, signal?: AbortSignal): Promise<void> {
  try {
    await pingOnce(sql, signal)
  } catch (error) {
    throw fromDbError(error)
  }
}

async function pingOnce(sql: Sql, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  const query = sql`select 1`
  if (signal === undefined) {
    await query
    return
  }
  const { promise, reject } = Promise.withResolvers<never>()
  const onAbort = () => {
    query.cancel()
    reject(signal.reason)
  }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await Promise.race([query, promise])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** Wraps `fn` so every call after the first returns the first call's promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined
  return () => {
    done ??= fn()
    return done
  }
}
