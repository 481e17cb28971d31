import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, email, type TestApp, TOKEN } from './helpers.ts'

describe('failed token checks, counted per client address', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ AUTH_MAX_FAILURES: '3', AUTH_FAILURE_WINDOW_SECONDS: '60' })
  })
  afterAll(() => t?.close())

  const send = (address: string, token: string) =>
    t.app.inject({
      method: 'POST',
      url: '/ingest',
      remoteAddress: address,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify({ data: email() }),
    })

  it('answers 429 with Retry-After once an address sent too many wrong tokens, even with the right one', async () => {
    for (let i = 0; i < 3; i++) expect((await send('203.0.113.7', 'wrong')).statusCode).toBe(403)
    const refused = await send('203.0.113.7', TOKEN)
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['content-type']).toContain('application/problem+json')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('leaves other addresses alone', async () => {
    expect((await send('203.0.113.8', TOKEN)).statusCode).toBe(200)
  })

  it('does not count a right token against its address', async () => {
    for (let i = 0; i < 5; i++) expect((await send('203.0.113.9', TOKEN)).statusCode).toBe(200)
  })
})
