import { createSigner } from 'fast-jwt'

/** The claims the api reads: `sub` is the caller's user id, role `admin` may act on anyone. */
export interface TokenClaims {
  sub: string
  roles?: string[]
  [claim: string]: unknown
}

/**
 * An HS256 JWT of `claims`, issued now (`iat`) and expiring after `expiresInSeconds` (`exp`; a
 * negative value gives an expired token). For the dev tokens `npm start` prints and for tests;
 * production tokens come from an identity provider.
 */
export function signHs256(claims: TokenClaims, secret: string, expiresInSeconds: number): string {
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: expiresInSeconds * 1000 })
  return sign(claims)
}
