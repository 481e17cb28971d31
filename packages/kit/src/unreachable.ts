/**
 * Error codes meaning a dependency could not be reached or dropped the connection, whatever the
 * driver: Node's socket errors, postgres.js's connection errors, and PostgreSQL's SQLSTATEs for
 * a server that is shutting down, starting up or out of connections (class 08 is matched apart).
 */
const UNREACHABLE_CODES = new Set([
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

/**
 * True when `error`, or an error it was caused by, says a dependency is unreachable: nothing the
 * client did, and a retry shortly may succeed.
 */
export function isUnreachable(error: unknown): boolean {
  let current = error
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown }
    if (
      typeof code === 'string' &&
      (UNREACHABLE_CODES.has(code) || CONNECTION_EXCEPTION.test(code))
    )
      return true
    current = cause
  }
  return false
}
