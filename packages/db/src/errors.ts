/**
 * Error codes meaning the server could not be reached or dropped the connection: Node's socket
 * errors, postgres.js's connection errors, and PostgreSQL's SQLSTATEs for a server that is
 * shutting down (57P01-02), starting up (57P03) or out of connections (53300). Class 08
 * (connection exceptions) is matched apart.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  '57P01',
  '57P02',
  '57P03',
  '53300',
])

/** PostgreSQL's connection exceptions: 08000, 08003, 08006, 08P01… */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/

/** What a DbError names as unavailable; the kit shows it to clients in its 503. */
export const DATABASE = 'the database'

/**
 * The database could not be reached, or dropped or refused the connection: nothing the caller
 * did, and the same query may succeed shortly. `code` is the underlying error's (SQLSTATE,
 * socket or postgres.js code); the error itself is the `cause`.
 */
export class DbError extends Error {
  readonly transient = true
  readonly dependency = DATABASE
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DbError'
    this.code = code
  }
}

/**
 * The transient code of `error` or of an error it was caused by, if it has one. An error that
 * says itself whether it is transient (a CloudError caused by a refused connection) is another
 * driver's verdict and never the database's.
 */
function transientCode(error: unknown): string | undefined {
  if (typeof (error as { transient?: unknown } | null)?.transient === 'boolean') return undefined
  let current = error
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown }
    if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || CONNECTION_EXCEPTION.test(code)))
      return code
    current = cause
  }
  return undefined
}

/** True when `error` says the database is unreachable, restarting or out of connections. */
export function isTransientDbError(error: unknown): boolean {
  return error instanceof DbError || transientCode(error) !== undefined
}

/**
 * Translates what postgres.js threw: a transient failure becomes a DbError; anything else
 * (a constraint violation, a syntax error, an abort) comes back unchanged, for the caller to map.
 */
export function fromDbError(error: unknown): unknown {
  if (error instanceof DbError) return error
  const code = transientCode(error)
  if (code === undefined) return error
  const detail = error instanceof Error ? error.message : String(error)
  return new DbError(code, `the database is unavailable: ${detail}`, { cause: error })
}
