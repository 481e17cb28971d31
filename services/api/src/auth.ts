import jwt, { type FastifyJWTOptions, type TokenOrHeader } from '@fastify/jwt'
import {
  type FailureLimiter,
  forbidden,
  type ServiceApp,
  serviceUnavailable,
  unauthorized,
} from '@ferry/kit'
import buildGetJwks from 'get-jwks'
import type { AuthSetting } from './config.ts'
import type { TokenClaims } from './jwt.ts'

/** Who is calling, from a verified token. */
export interface Caller {
  /** The caller's user id (`sub`). */
  sub: string
  roles: string[]
  /** The `tenant_id` claim as the token carries it (any JSON type), when it has one. */
  tenantId?: unknown
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims
    user: Caller
  }
}

/** The OpenAPI security scheme every protected route names. */
export const BEARER_SCHEME = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT whose `sub` is the caller\'s user id; role "admin" may act on any user.',
  },
} as const

const HMAC_ALGORITHMS = ['HS256'] as const
const KEY_ALGORITHMS = ['RS256', 'ES256'] as const
/** get-jwks errors that mean the identity provider could not be asked, not that the token is bad. */
const JWKS_UNREACHABLE = new Set(['JWKS_REQUEST_FAILED', 'NO_JWKS', 'NO_JWKS_URI'])

/** What a scope demands of a token beyond a valid signature and `exp`. */
export interface AuthOptions {
  /** Refuse (401) a token without a `sub`; default true. */
  requireSub?: boolean
  /** Counts invalid tokens per client address; a client over its limit gets 429 first. */
  limiter?: FailureLimiter
}

function jwtOptions(setting: AuthSetting, options: AuthOptions): FastifyJWTOptions {
  const formatUser = (payload: unknown): Caller => {
    const claims = payload as Partial<TokenClaims>
    const roles = Array.isArray(claims.roles) ? claims.roles : []
    const sub = typeof claims.sub === 'string' ? claims.sub : ''
    const tenant = claims.tenant_id === undefined ? {} : { tenantId: claims.tenant_id }
    return { sub, roles: roles.filter((r) => typeof r === 'string'), ...tenant }
  }
  // fast-jwt's LRU of verified tokens: a client sends the same token on every request, and
  // checking its signature each time cost ~9% of the api's CPU. An entry lives until the
  // token's exp or a minute, whichever is first, so expiry still takes effect on time.
  const required = options.requireSub === false ? ['exp'] : ['sub', 'exp']
  const verify = {
    requiredClaims: [
      ...required,
      ...(setting.audience ? ['aud'] : []),
      ...(setting.issuer ? ['iss'] : []),
    ],
    ...(setting.audience ? { allowedAud: setting.audience } : {}),
    ...(setting.issuer ? { allowedIss: setting.issuer } : {}),
    cache: 1000,
    cacheTTL: 60_000,
  }
  if (setting.kind === 'secret') {
    return {
      secret: setting.secret,
      formatUser,
      verify: { ...verify, algorithms: [...HMAC_ALGORITHMS] },
    }
  }
  const url = new URL(setting.url)
  const domain = `${url.origin}/`
  const getJwks = buildGetJwks({ jwksPath: `${url.pathname}${url.search}` })
  return {
    decode: { complete: true },
    secret: (_request: unknown, token: TokenOrHeader) => {
      const header = 'header' in token ? token.header : token
      return getJwks.getPublicKey({ domain, kid: header.kid, alg: header.alg })
    },
    formatUser,
    verify: { ...verify, algorithms: [...KEY_ALGORITHMS] },
  }
}

/** What authentication needs of a request (Fastify's, decorated by @fastify/jwt). */
interface VerifiableRequest {
  ip: string
  headers: { authorization?: string }
  jwtVerify(): Promise<unknown>
  user: Caller
  log: ServiceApp['log']
}

function hasBearerToken(request: VerifiableRequest): boolean {
  return /^Bearer +\S+ *$/i.test(request.headers.authorization ?? '')
}

function invalidToken(detail: string) {
  return unauthorized(detail, { wwwAuthenticate: 'Bearer error="invalid_token"' })
}

async function authenticate(request: VerifiableRequest, options: AuthOptions): Promise<void> {
  options.limiter?.check(request.ip)
  if (!hasBearerToken(request)) throw unauthorized('Missing bearer token')
  try {
    await request.jwtVerify()
  } catch (error) {
    const code = (error as { code?: string }).code ?? ''
    if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') throw invalidToken('Token expired')
    const name = (error as Error).name
    if (JWKS_UNREACHABLE.has(code) || name === 'TypeError' || name === 'TimeoutError') {
      throw serviceUnavailable("The identity provider's signing keys could not be fetched", {
        retryAfterSeconds: 5,
        cause: error,
      })
    }
    request.log.info({ reason: code || String(error) }, 'token rejected')
    options.limiter?.fail(request.ip)
    throw invalidToken('Invalid token')
  }
  if (options.requireSub !== false && request.user.sub === '') {
    options.limiter?.fail(request.ip)
    throw invalidToken('Invalid token')
  }
}

/**
 * Makes every route of `scope` (and of the plugins it registers later) require a bearer JWT:
 * missing, invalid or expired → 401 with `WWW-Authenticate: Bearer` and a detail saying which.
 * `request.user` is the caller afterwards. The routes are documented as needing the token.
 */
export async function installAuth(
  scope: ServiceApp,
  setting: AuthSetting,
  options: AuthOptions = {},
): Promise<void> {
  await scope.register(jwt, jwtOptions(setting, options))
  scope.addHook('onRoute', (route) => {
    route.schema = { security: [{ bearer: [] }], ...route.schema }
  })
  scope.addHook('onRequest', (request) => authenticate(request, options))
}

/** Throws 403 unless the caller is `userId` or an admin. */
export function requireUser(request: { user: Caller }, userId: string): void {
  const caller = request.user
  if (caller.sub !== userId && !caller.roles.includes('admin')) throw forbidden('Forbidden')
}

/** Throws 403 unless the caller has role admin. */
export function requireAdmin(request: { user: Caller }): void {
  if (!request.user.roles.includes('admin')) throw forbidden('Forbidden')
}

/** An onRequest hook for admin-only scopes, so a non-admin is refused before validation. */
export async function adminOnly(request: { user: Caller }): Promise<void> {
  requireAdmin(request)
}
