import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createService,
  type Readiness,
  type ServiceApp,
  type ServiceOptions,
} from '../src/index.ts'

let app: ServiceApp

function build(options: Partial<ServiceOptions> = {}): ServiceApp {
  app = createService({ name: 'health', version: '1', logLevel: 'silent', ...options })
  return app
}

afterEach(() => app?.close())

describe('GET /health', () => {
  it('answers 200 with status ok by default', async () => {
    const res = await build().inject({ url: '/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })

  it('answers on every configured path with the configured body', async () => {
    build({
      health: { paths: ['/health', '/healthz'], body: () => ({ status: 'ok', version: '1' }) },
    })
    for (const url of ['/health', '/healthz']) {
      expect((await app.inject({ url })).json()).toEqual({ status: 'ok', version: '1' })
    }
  })
})

describe('GET /ready', () => {
  it('answers 200 ready with every check ok', async () => {
    build().addReadinessCheck('database', async () => {})
    app.addReadinessCheck('queue', async () => {})
    const res = await app.inject({ url: '/ready' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } })
  })

  it('runs the checks concurrently', async () => {
    build()
    for (const name of ['a', 'b', 'c']) app.addReadinessCheck(name, () => sleep(300))
    await app.ready()
    const started = performance.now()
    expect((await app.inject({ url: '/ready' })).statusCode).toBe(200)
    expect(performance.now() - started).toBeLessThan(800)
  })

  it('answers 503 naming the reason of a failing check', async () => {
    build().addReadinessCheck('database', async () => {})
    app.addReadinessCheck('queue', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5055')
    })
    const res = await app.inject({ url: '/ready' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', queue: 'connect ECONNREFUSED 127.0.0.1:5055' },
    })
  })

  it('gives up on a check at its timeout and aborts its signal', async () => {
    let aborted = false
    build().addReadinessCheck(
      'slow',
      async (signal) => {
        await sleep(5_000, undefined, { signal }).catch(() => {
          aborted = signal.aborted
        })
      },
      { timeoutMs: 50 },
    )
    const res = await app.inject({ url: '/ready' })
    expect(res.statusCode).toBe(503)
    expect(res.json().checks).toEqual({ slow: 'timed out after 50 ms' })
    expect(aborted).toBe(true)
  })

  it('answers 503 once a background loop failed', async () => {
    build().addLoop('consumer', async () => {
      throw new Error('queue deleted')
    })
    await app.ready()
    await sleep(10)
    const res = await app.inject({ url: '/ready' })
    expect(res.statusCode).toBe(503)
    expect(res.json().checks).toEqual({ 'loop:consumer': 'queue deleted' })
  })

  it('answers 503 to a readiness request in flight when close begins', async () => {
    let checking = () => {}
    const checkStarted = new Promise<void>((resolve) => {
      checking = resolve
    })
    build().addReadinessCheck('database', (signal) => {
      checking()
      return sleep(300, undefined, { signal })
    })
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const pending = fetch(`${base}/ready`)
    await checkStarted
    const closing = app.close()
    const res = await pending
    expect(res.status).toBe(503)
    expect(((await res.json()) as Readiness).checks.shutdown).toBe('in progress')
    await closing
  })
})
