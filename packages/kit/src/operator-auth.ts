import { createHash, timingSafeEqual } from 'node:crypto'
import type { SecurityScheme } from './openapi.ts'
import { unauthorized } from './problem.ts'

interface BearerRequest {
  headers: { authorization?: string }
}

/** The OpenAPI security scheme of the operator routes: `openapi: { securitySchemes: … }`. */
export const OPERATOR_SECURITY_SCHEMES: Record<string, SecurityScheme> = {
  operatorToken: { type: 'http', scheme: 'bearer' },
}

/** The OpenAPI security requirement of each operator route (`schema.security`). */
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
