import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signHs256 } from '../src/jwt.ts'
import { buildTestApp, SECRET, type TestApp, tokenFor } from './helpers.ts'

describe('failed authentication is rate-limited per client address', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({
      drivers: 'local',
      env: { AUTH_MAX_FAILURES: '5', AUTH_FAILURE_WINDOW_SECONDS: '60', TRUST_PROXY_HOPS: '1' },
    })
  })
  afterAll(() => t?.close())

  const get = (token: string, forwardedFor: string, url = '/users/u-1') =>
    t.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor },
    })

  it('answers 429 with Retry-After once an address sent too many invalid tokens', async () => {
    for (let i = 0; i < 5; i++)
      expect((await get('not.a.token', '198.51.100.1')).statusCode).toBe(401)
    const refused = await get('not.a.token', '198.51.100.1')
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(refused.json().code).toBe('too_many_failed_authentications')
    // Even a valid token from that address waits out the window; the files scope shares the count.
    expect((await get(tokenFor('u-1'), '198.51.100.1')).statusCode).toBe(429)
    expect((await get(tokenFor('u-1'), '198.51.100.1', '/files/list')).statusCode).toBe(429)
  })

  it('keeps counting other addresses apart', async () => {
    for (let i = 0; i < 5; i++) await get('not.a.token', '198.51.100.2')
    expect((await get('not.a.token', '198.51.100.3')).statusCode).toBe(401)
    expect((await get(tokenFor('u-1'), '198.51.100.4')).statusCode).not.toBe(429)
  })

  it('does not count valid tokens or missing ones as failures', async () => {
    for (let i = 0; i < 10; i++) await get(tokenFor('u-1'), '198.51.100.5')
    for (let i = 0; i < 10; i++) {
      await t.app.inject({ url: '/users/u-1', headers: { 'x-forwarded-for': '198.51.100.5' } })
    }
    expect((await get(tokenFor('u-1'), '198.51.100.5')).statusCode).not.toBe(429)
  })
})

describe('aud and iss checks', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({
      drivers: 'local',
      env: { JWT_AUDIENCE: 'ferry-api', JWT_ISSUER: 'https://id.example.com/' },
    })
  })
  afterAll(() => t?.close())

  const status = async (claims: Record<string, unknown>) => {
    const token = signHs256({ sub: 'aud-user', roles: [], ...claims }, SECRET, 3600)
    return (await t.request('GET', '/users/aud-user', { token })).statusCode
  }
  const iss = 'https://id.example.com/'

  it('accepts a token with the configured aud and iss', async () => {
    expect(await status({ aud: 'ferry-api', iss })).toBe(404)
  })

  it('answers 401 to a token without aud, with another aud, or another iss', async () => {
    expect(await status({ iss })).toBe(401)
    expect(await status({ aud: 'other-api', iss })).toBe(401)
    expect(await status({ aud: 'ferry-api', iss: 'https://evil.example.com/' })).toBe(401)
    expect(await status({ aud: 'ferry-api' })).toBe(401)
  })
})
