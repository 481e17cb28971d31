import { createHmac } from 'node:crypto'

/** The HS256 secret the e2e tests give the api as JWT_SECRET. */
export const JWT_SECRET = 'e2e-jwt-secret-that-is-long-enough-0123456789'

/** An HS256 JWT signed with {@link JWT_SECRET}, as an identity provider would issue it. */
export function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iat: now, exp: now + 600, ...claims })}`
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`
}
