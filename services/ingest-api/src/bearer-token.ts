import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * The token a request carries: the `Authorization: Bearer` header wins over the body's `token`.
 * Returns undefined when neither holds a non-empty token.
 */
export function presentedToken(
  authorization: string | undefined,
  bodyToken: string | null | undefined,
): string | undefined {
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    return match?.[1]
  }
  return bodyToken ? bodyToken : undefined
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** Compares in constant time whatever the lengths (both sides hashed to 32 bytes first). */
export function tokensMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected))
}
