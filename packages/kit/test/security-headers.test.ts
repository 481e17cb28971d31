import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type ServiceApp } from '../src/index.ts'

let app: ServiceApp

beforeAll(async () => {
  app = createService({ name: 'test', version: '1', logLevel: 'silent' })
  app.register(async (scope) => {
    scope.get('/users/:id', () => ({ ok: true }))
  })
  await app.ready()
})
afterAll(() => app?.close())

describe('security headers', () => {
  for (const url of ['/users/1', '/health', '/no-such-route', '/users/%ZZ', '/openapi.json']) {
    it(`sends X-Content-Type-Options: nosniff on ${url}`, async () => {
      const res = await app.inject({ method: 'GET', url })
      expect(res.headers['x-content-type-options']).toBe('nosniff')
    })
  }

  it('sends a Content-Security-Policy on /docs that allows only its own scripts', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' })
    expect(res.statusCode).toBe(200)
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toMatch(/default-src 'self'/)
    expect(csp).toMatch(/script-src 'self'/)
    expect(csp).toMatch(/object-src 'none'/)
    expect(csp).not.toMatch(/upgrade-insecure-requests/)
  })
})
