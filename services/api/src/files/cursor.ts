/**
 * List cursors the client sees: the store's own cursor wrapped with the prefix (tenant and
 * folder) it was made for. A cursor is accepted only for that prefix, so one taken from another
 * tenant's listing, or another folder's, is refused. The store lists only under the prefix of
 * the request in any case: a forged inner cursor cannot reach past the caller's own tree.
 */
import { badRequest } from '@ferry/kit'

const VERSION = 1

export function encodeCursor(prefix: string, storeCursor: string): string {
  return Buffer.from(JSON.stringify([VERSION, prefix, storeCursor])).toString('base64url')
}

/** The store cursor inside `cursor`; 400 "Invalid cursor" unless it was made for `prefix`. */
export function decodeCursor(cursor: string, prefix: string): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {
    parsed = undefined
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 3 &&
    parsed[0] === VERSION &&
    parsed[1] === prefix &&
    typeof parsed[2] === 'string'
  ) {
    return parsed[2]
  }
  throw badRequest('Invalid cursor', { code: 'invalid_cursor' })
}
