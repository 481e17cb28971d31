import { createHash, timingSafeEqual } from 'node:crypto'
import { unauthorized } from '@ferry/kit'

interface BearerRequest {
  headers: { authorization?: string }
}

/** The OpenAPI security requirement of the operator routes (enforced only with OPERATOR_TOKEN). */
export const OPERATOR_SECURITY = [{ operatorToken: [] }]

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * An onRequest hook that admits only `Authorization: Bearer <token>`. The comparison runs over
 * fixed-length digests in constant time, so timing reveals neither the token nor its length.
 */
export function requireBearer(token: string): (request: BearerRequest) => Promise<void> {
  const expected = digest(token)
  return async (request) => {
    const header = request.headers.authorization ?? ''
    const match = /^Bearer\s+(.+)$/i.exec(header)
    const given = digest(match?.[1]?.trim() ?? '')
    if (!match || !timingSafeEqual(given, expected)) {
      throw unauthorized('The operator API needs a valid bearer token', { code: 'invalid_token' })
    }
  }
}
