import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createService, type ServiceApp } from '../src/index.ts'
import { loggerOptions } from '../src/logging.ts'
import { captureLogs } from '../src/testing.ts'

let app: ServiceApp
let logs = captureLogs()

function build(options: { logLevel?: string; redact?: string[] } = {}): ServiceApp {
  logs = captureLogs()
  app = createService({
    name: 'logtest',
    version: '1',
    ...options,
    logger: { stream: logs.stream },
  })
  app.get('/hello', (request) => {
    request.log.info({ step: 'handler' }, 'hello')
    return { ok: true }
  })
  return app
}

afterEach(() => app?.close())

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('request ids', () => {
  it('echoes and logs a well-formed incoming x-request-id', async () => {
    const res = await build().inject({
      url: '/hello',
      headers: { 'x-request-id': 'abc.DEF_1:2-3' },
    })
    expect(res.headers['x-request-id']).toBe('abc.DEF_1:2-3')
    expect(logs.lines().find((l) => l.step === 'handler')).toMatchObject({ reqId: 'abc.DEF_1:2-3' })
  })

  it('replaces an x-request-id with forbidden characters by a UUID', async () => {
    const res = await build().inject({ url: '/hello', headers: { 'x-request-id': 'a b<script>' } })
    expect(res.headers['x-request-id']).toMatch(UUID)
  })

  it('replaces an x-request-id longer than 128 characters by a UUID', async () => {
    const res = await build().inject({
      url: '/hello',
      headers: { 'x-request-id': 'a'.repeat(129) },
    })
    expect(res.headers['x-request-id']).toMatch(UUID)
  })

  it('generates a UUID when no x-request-id is sent and logs it', async () => {
    const res = await build().inject({ url: '/hello' })
    const id = res.headers['x-request-id']
    expect(id).toMatch(UUID)
    expect(logs.lines().find((l) => l.step === 'handler')).toMatchObject({ reqId: id })
  })
})

describe('log output', () => {
  it('writes JSON lines carrying the service name', async () => {
    await build().inject({ url: '/hello' })
    expect(logs.lines().find((l) => l.msg === 'hello')).toMatchObject({
      name: 'logtest',
      level: 30,
    })
  })

  it('drops lines below the configured level', async () => {
    await build({ logLevel: 'warn' }).inject({ url: '/hello' })
    expect(logs.lines().filter((l) => l.msg === 'hello')).toEqual([])
  })

  it('never prints secrets at the top level, nested, or at configured paths', async () => {
    build({ redact: ['custom.signature'] })
    app.log.info(
      {
        token: 'T0P-TOKEN',
        password: 'T0P-PASSWORD',
        secret: 'T0P-SECRET',
        headers: {
          authorization: 'Bearer AUTH-VALUE',
          cookie: 'sid=COOKIE-VALUE',
          'set-cookie': 'sid=SET-COOKIE-VALUE',
        },
        user: { password: 'NESTED-1', creds: { token: 'NESTED-2', deep: { secret: 'NESTED-3' } } },
        custom: { signature: 'CONFIGURED-PATH' },
        kept: 'visible',
      },
      'secrets',
    )
    const text = logs.text()
    for (const value of [
      'T0P-',
      'AUTH-VALUE',
      'COOKIE-VALUE',
      'SET-COOKIE',
      'NESTED-',
      'CONFIGURED-PATH',
    ]) {
      expect(text).not.toContain(value)
    }
    const line = logs.lines().find((l) => l.msg === 'secrets')
    expect(line).toMatchObject({ token: '[REDACTED]', kept: 'visible' })
    expect(line?.user).toEqual({
      password: '[REDACTED]',
      creds: { token: '[REDACTED]', deep: { secret: '[REDACTED]' } },
    })
  })
})

describe('request lines', () => {
  it('writes one line per answered request, with method, URL, status and time taken', async () => {
    await build().inject({ url: '/hello?x=1', headers: { 'x-request-id': 'one-line' } })
    const lines = logs.lines().filter((l) => l.reqId === 'one-line' && l.step !== 'handler')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', url: '/hello?x=1' },
      res: { statusCode: 200 },
    })
    expect(lines[0]?.responseTime).toBeGreaterThan(0)
  })
})

describe('secrets in logged objects', () => {
  it('redacts keys in any case, inside arrays and errors, without changing the logged object', () => {
    build()
    const error = Object.assign(new Error('upstream refused'), {
      request: { headers: { Authorization: 'Bearer IN-ERROR' } },
    })
    const logged = { Password: 'UPPER-CASE', items: [{ api_key: 'IN-ARRAY' }], err: error }
    app.log.error(logged, 'failed')
    const text = logs.text()
    for (const value of ['UPPER-CASE', 'IN-ARRAY', 'IN-ERROR']) expect(text).not.toContain(value)
    const line = logs.lines().find((l) => l.msg === 'failed')
    expect(line?.err).toMatchObject({ message: 'upstream refused', type: 'Error' })
    expect(String((line?.err as { stack?: string } | undefined)?.stack)).toContain(
      'upstream refused',
    )
    expect(logged.Password).toBe('UPPER-CASE')
    expect(error.request.headers.Authorization).toBe('Bearer IN-ERROR')
  })
})

describe('bytes in logged objects', () => {
  it('logs a line holding a large buffer beside a secret at once, the buffer as pino writes it', () => {
    build()
    const payload = Buffer.alloc(4 * 1024 * 1024, 1)
    const began = performance.now()
    app.log.info({ token: 'T0KEN-VALUE', payload }, 'bytes')
    expect(performance.now() - began).toBeLessThan(1000)
    const line = logs.lines().find((l) => l.msg === 'bytes')
    expect(line?.token).toBe('[REDACTED]')
    expect(line?.payload).toMatchObject({ type: 'Buffer' })
  })
})

describe('logger options', () => {
  it('uses pino-pretty only on a terminal without an explicit stream', () => {
    const pretty = loggerOptions({}, true).transport as { target: string }
    expect(existsSync(pretty.target)).toBe(true)
    expect(pretty.target).toMatch(/pino-pretty/)
    expect(loggerOptions({}, false).transport).toBeUndefined()
    expect(loggerOptions({ stream: logs.stream }, true).transport).toBeUndefined()
  })
})
