import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signHs256 } from '../src/jwt.ts'
import { ADMIN, buildTestApp, SECRET, type TestApp, tokenFor } from './helpers.ts'

let t: TestApp

beforeAll(async () => {
  t = await buildTestApp({ drivers: 'local' })
})
afterAll(() => t?.close())

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

/** A JWT with any header and claims, signed by `signer` (or not signed at all). */
function jwt(header: object, claims: object, signer?: (data: string) => Buffer): string {
  const data = `${b64(header)}.${b64(claims)}`
  return `${data}.${signer ? signer(data).toString('base64url') : ''}`
}

const hs256 = (data: string) => createHmac('sha256', SECRET).update(data).digest()
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('bearer authentication', () => {
  const get = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/users/u1', headers })

  it('answers 401 "Missing bearer token" with WWW-Authenticate: Bearer without a token', async () => {
    const res = await get({})
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
    expect(res.json().detail).toBe('Missing bearer token')
  })

  it('answers 401 "Missing bearer token" for another authorization scheme', async () => {
    const res = await get({ authorization: 'Basic dXNlcjpwYXNz' })
    expect(res.json().detail).toBe('Missing bearer token')
  })

  it('answers 401 "Invalid token" for a token that is not a JWT', async () => {
    const res = await get(bearer('not.a.jwt'))
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"')
    expect(res.json().detail).toBe('Invalid token')
  })

  it('answers 401 "Invalid token" for a token signed with another key', async () => {
    const token = signHs256({ sub: 'u1' }, 'another-secret-0123456789abcdef-xyz', 3600)
    expect((await get(bearer(token))).json().detail).toBe('Invalid token')
  })

  it('answers 401 "Token expired" for an expired token', async () => {
    const res = await get(bearer(tokenFor('u1', [], -60)))
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
    expect(res.json().detail).toBe('Token expired')
  })

  it('answers 401 "Invalid token" for a token without exp', async () => {
    const token = jwt({ alg: 'HS256', typ: 'JWT' }, { sub: 'u1' }, hs256)
    expect((await get(bearer(token))).json().detail).toBe('Invalid token')
  })

  it('answers 401 "Invalid token" for a token without sub', async () => {
    const token = jwt({ alg: 'HS256', typ: 'JWT' }, { roles: ['admin'], exp: inAnHour() }, hs256)
    expect((await get(bearer(token))).json().detail).toBe('Invalid token')
  })

  it('answers 401 for an unsigned token (alg none) claiming admin', async () => {
    const token = jwt({ alg: 'none', typ: 'JWT' }, { sub: 'u1', roles: ['admin'], exp: inAnHour() })
    expect((await get(bearer(token))).statusCode).toBe(401)
  })

  it('answers 401 "Token expired" once a token used before expires, though verified tokens are cached', async () => {
    const token = signHs256({ sub: 'u1' }, SECRET, 2)
    expect((await get(bearer(token))).statusCode).toBe(404)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const res = await get(bearer(token))
    expect(res.statusCode).toBe(401)
    expect(res.json().detail).toBe('Token expired')
  })

  it("lets a valid token through to the caller's own records", async () => {
    const res = await get(bearer(tokenFor('u1')))
    expect(res.statusCode).toBe(404)
  })

  for (const url of ['/health', '/ready', '/openapi.json', '/docs']) {
    it(`serves ${url} without a token`, async () => {
      const res = await t.app.inject({ method: 'GET', url })
      expect(res.statusCode).toBeLessThan(400)
    })
  }

  it('documents the bearer scheme', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json()
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.paths['/health'].get.security).toBeUndefined()
    expect(doc.paths['/users/{user_id}'].get.security).toEqual([{ bearer: [] }])
  })
})

const OWNER = 'owner-1'
/** Valid bodies, so each route reaches its authorization check. */
const BODIES: Record<string, unknown> = {
  'post /users/personal': { user_id: OWNER, name: 'Ada', email: 'ada@example.com' },
  'post /users/financial': { user_id: OWNER },
  'post /users/health': { user_id: OWNER },
  'post /users/sqs/send': { user_id: OWNER, data_type: 'all' },
  'post /s3/upload': { key: 'notes/a.json', content: { a: 1 } },
  'put /s3/{*}': { content: { a: 2 } },
  'post /sns/publish': { message: 'hello' },
}

interface Operation {
  method: string
  path: string
  admin: boolean
  /** A /files route: it acts on the caller's own tenant tree, so no user is an intruder there. */
  tenant: boolean
}

/** Every operation the OpenAPI document lists as needing a token, so new routes are covered. */
async function protectedOperations(): Promise<Operation[]> {
  const doc = (await t.app.inject({ url: '/openapi.json' })).json()
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries<
    Record<string, { security?: unknown; tags?: string[] }>
  >(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!op.security) continue
      const tags = op.tags ?? []
      ops.push({ method, path, admin: tags.includes('admin'), tenant: tags.includes('files') })
    }
  }
  return ops
}

function call(op: Operation, token?: string) {
  const url = op.path.replace('{user_id}', OWNER).replace('{*}', 'notes/a.json')
  const body = BODIES[`${op.method} ${op.path}`] ?? (op.method === 'patch' ? {} : undefined)
  return t.app.inject({
    method: op.method.toUpperCase() as 'GET',
    url,
    headers: token ? bearer(token) : {},
    ...(body === undefined ? {} : { payload: body as object }),
  })
}

describe('every protected route', () => {
  // The ops endpoints answer unauthenticated; the load balancer routes none of them (infra/).
  it('covers every documented operation but /health, /ready and /metrics', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json()
    const open = Object.entries<Record<string, { security?: unknown }>>(doc.paths).flatMap(
      ([path, methods]) =>
        Object.entries(methods)
          .filter(([, op]) => op.security === undefined)
          .map(([method]) => `${method} ${path}`),
    )
    expect(open.sort()).toEqual(['get /health', 'get /metrics', 'get /ready'])
    expect((await protectedOperations()).length).toBeGreaterThan(20)
  })

  it('answers 401 without a token', async () => {
    for (const op of await protectedOperations()) {
      const res = await call(op)
      expect([op.method, op.path, res.statusCode]).toEqual([op.method, op.path, 401])
    }
  })

  it("answers 403 to a user acting on another user's records or on an admin route", async () => {
    const intruder = tokenFor('intruder-1')
    for (const op of (await protectedOperations()).filter((o) => !o.tenant)) {
      const res = await call(op, intruder)
      expect([op.method, op.path, res.statusCode]).toEqual([op.method, op.path, 403])
      expect(res.json().detail).toBe('Forbidden')
    }
  })

  it('lets an admin past authorization on every route', async () => {
    for (const op of await protectedOperations()) {
      const res = await call(op, ADMIN)
      expect(res.statusCode, `${op.method} ${op.path}`).not.toBe(401)
      expect(res.statusCode, `${op.method} ${op.path}`).not.toBe(403)
    }
  })
})

interface Jwk {
  kid: string
  alg: string
  key: KeyObject
}

function keyPair(kind: 'rsa' | 'ec', kid: string): Jwk & { privateKey: KeyObject } {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    kid,
    alg: kind === 'rsa' ? 'RS256' : 'ES256',
    key: pair.publicKey,
    privateKey: pair.privateKey,
  }
}

function signWith(pair: ReturnType<typeof keyPair>, claims: object): string {
  return jwt({ alg: pair.alg, typ: 'JWT', kid: pair.kid }, claims, (data) =>
    sign('sha256', Buffer.from(data), { key: pair.privateKey, dsaEncoding: 'ieee-p1363' }),
  )
}

describe('identity provider keys (JWT_JWKS_URL)', () => {
  const rsa = keyPair('rsa', 'rsa-1')
  const ec = keyPair('ec', 'ec-1')
  let server: Server
  let idp: TestApp

  beforeAll(async () => {
    const keys = [rsa, ec].map((k) => ({
      ...k.key.export({ format: 'jwk' }),
      kid: k.kid,
      alg: k.alg,
      use: 'sig',
    }))
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ keys }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    idp = await buildTestApp({
      drivers: 'local',
      db: t.db,
      env: { JWT_SECRET: undefined, JWT_JWKS_URL: `http://127.0.0.1:${port}/realms/ferry/certs` },
    })
  })
  afterAll(async () => {
    await idp?.close()
    server?.close()
  })

  const get = (token: string) =>
    idp.app.inject({ method: 'GET', url: '/users/u1', headers: bearer(token) })
  const claims = () => ({ sub: 'u1', exp: inAnHour() })

  it('accepts an RS256 token signed by a published key', async () => {
    expect((await get(signWith(rsa, claims()))).statusCode).toBe(404)
  })

  it('accepts an ES256 token signed by a published key', async () => {
    expect((await get(signWith(ec, claims()))).statusCode).toBe(404)
  })

  it('answers 401 for a token whose key id is not published', async () => {
    const stranger = keyPair('ec', 'unknown-kid')
    const res = await get(signWith(stranger, claims()))
    expect(res.statusCode).toBe(401)
    expect(res.json().detail).toBe('Invalid token')
  })

  it('answers 401 for an HS256 token, whatever its secret', async () => {
    const token = jwt({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' }, claims(), hs256)
    expect((await get(token)).statusCode).toBe(401)
  })

  it('answers 401 "Token expired" for an expired token', async () => {
    const res = await get(signWith(rsa, { sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 }))
    expect(res.json().detail).toBe('Token expired')
  })

  it('answers 503 when the keys cannot be fetched', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const down = await buildTestApp({
      drivers: 'local',
      db: t.db,
      env: { JWT_SECRET: undefined, JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` },
    })
    try {
      const res = await down.app.inject({
        method: 'GET',
        url: '/users/u1',
        headers: bearer(signWith(rsa, claims())),
      })
      expect(res.statusCode).toBe(503)
    } finally {
      await down.close()
    }
  })
})
