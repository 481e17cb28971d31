import { createHmac } from 'node:crypto'

/** The claims the api reads: `sub` is the caller's user id, role `admin` may act on anyone. */
export interface TokenClaims {
  sub: string
  roles?: string[]
  [claim: string]: unknown
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

/**
 * An HS256 JWT of `claims`, issued now and expiring after `expiresInSeconds`. For the dev tokens
 * `npm start` prints and for tests; production tokens come from an identity provider.
 */
export function signHs256(claims: TokenClaims, secret: string, expiresInSeconds: number): string {
  const now = Math.floor(Date.now() / 1000)
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const payload = base64url(JSON.stringify({ iat: now, exp: now + expiresInSeconds, ...claims }))
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest()
  return `${header}.${payload}.${base64url(signature)}`
}
