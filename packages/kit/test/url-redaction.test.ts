import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type ServiceApp } from '../src/index.ts'
import { redactUrl } from '../src/logging.ts'
import { captureLogs } from '../src/testing.ts'

let app: ServiceApp
const logs = captureLogs()

beforeAll(async () => {
  app = createService({ name: 'test', version: '1', logger: { stream: logs.stream } })
  app.get('/files/*', () => ({ ok: true }))
  await app.ready()
})
afterAll(() => app?.close())

const SECRETS = {
  token: 'tok-SECRET-1',
  access_token: 'at-SECRET-2',
  'X-Amz-Signature': 'f00dSECRET3',
  'X-Amz-Security-Token': 'sts-SECRET-4',
  'X-Ferry-Signature': 'beefSECRET5',
}

describe('credentials in logged URLs', () => {
  for (const [name, value] of Object.entries(SECRETS)) {
    it(`redacts ?${name}= from the logged request URL`, async () => {
      const url = `/files/a.txt?X-Amz-Expires=60&${name}=${value}&folder=x`
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode).toBe(200)
      expect(logs.text()).not.toContain(value)
      const line = logs
        .lines()
        .find((l) => (l.req as { url?: string } | undefined)?.url?.includes(name))
      expect((line?.req as { url?: string } | undefined)?.url).toBe(
        `/files/a.txt?X-Amz-Expires=60&${name}=[REDACTED]&folder=x`,
      )
    })
  }

  it('matches parameter names case-insensitively and percent-encoded', () => {
    expect(redactUrl('/a?TOKEN=1&x%2Damz%2Dsignature=2&b=3')).toBe(
      '/a?TOKEN=[REDACTED]&x%2Damz%2Dsignature=[REDACTED]&b=3',
    )
  })

  it('leaves URLs without credentials, and malformed ones, as they were', () => {
    expect(redactUrl('/a/b?limit=5&cursor=%ZZ')).toBe('/a/b?limit=5&cursor=%ZZ')
    expect(redactUrl('/a/%ZZ')).toBe('/a/%ZZ')
    expect(redactUrl('/a?%ZZ=1&token')).toBe('/a?%ZZ=1&token')
  })
})
