import { createConnection, createServer } from 'node:net'
import { Type } from '@sinclair/typebox'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createService,
  notFound,
  problemResponses,
  type ServiceApp,
  serviceUnavailable,
  unauthorized,
  unprocessable,
} from '../src/index.ts'
import { captureLogs } from '../src/testing.ts'

let app: ServiceApp
let logs = captureLogs()

function build(bodyLimit?: number): ServiceApp {
  logs = captureLogs()
  app = createService({ name: 'test', version: '1', bodyLimit, logger: { stream: logs.stream } })
  app.post('/echo', { schema: { body: Type.Object({ a: Type.String() }) } }, (req) => req.body)
  app.get('/boom', () => {
    throw new Error('db password is hunter2')
  })
  return app
}

afterEach(() => app?.close())

const json = { 'content-type': 'application/json' }

describe('problem+json rendering', () => {
  it('answers malformed JSON with 400 problem+json naming the request', async () => {
    const res = await build().inject({
      method: 'POST',
      url: '/echo?x=1',
      headers: json,
      payload: '{"a":',
    })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is not valid JSON.',
      instance: '/echo?x=1',
      code: 'invalid_json',
    })
  })

  it('answers an empty JSON body with 400', async () => {
    const res = await build().inject({ method: 'POST', url: '/echo', headers: json, payload: '' })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('empty_body')
  })

  it('answers a missing body on a route that expects one with 400', async () => {
    const res = await build().inject({ method: 'POST', url: '/echo' })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('empty_body')
  })

  it('answers a text/plain body with 415', async () => {
    const res = await build().inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json().detail).toMatch(/text\/plain is not supported/)
  })

  it('answers a body over the limit with 413', async () => {
    const res = await build(64).inject({
      method: 'POST',
      url: '/echo',
      payload: { a: 'x'.repeat(100) },
    })
    expect(res.statusCode).toBe(413)
    expect(res.json().detail).toBe('The request body exceeds the limit of 64 bytes.')
  })

  it('answers an unknown route with a 404 problem', async () => {
    const res = await build().inject({ url: '/nope' })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({ status: 404, detail: 'No route matches GET /nope.' })
  })

  it('answers an unexpected error with a generic 500 that leaks nothing', async () => {
    const res = await build().inject({ url: '/boom' })
    expect(res.statusCode).toBe(500)
    expect(res.json().detail).toMatch(/^An unexpected error occurred/)
    expect(res.body).not.toMatch(/hunter2|boom\.ts|\bat /)
  })

  it('logs an unexpected error once, with the request id', async () => {
    const res = await build().inject({ url: '/boom', headers: { 'x-request-id': 'boom-1' } })
    const logged = logs.lines().filter((l) => JSON.stringify(l).includes('hunter2'))
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ level: 50, reqId: 'boom-1' })
    expect(res.headers['x-request-id']).toBe('boom-1')
  })

  it('passes a client error thrown by a plugin through with its status and message', async () => {
    app = build()
    app.get('/teapot', () => {
      throw Object.assign(new Error('short and stout'), { statusCode: 418 })
    })
    const res = await app.inject({ url: '/teapot' })
    expect(res.statusCode).toBe(418)
    expect(res.json()).toMatchObject({ detail: 'short and stout', code: 'i_m_a_teapot' })
  })
})

describe('problems thrown by handlers', () => {
  it('renders notFound with its status, detail and code', async () => {
    app = build()
    app.get('/x', () => {
      throw notFound('No order 7.', { code: 'order_not_found' })
    })
    const res = await app.inject({ url: '/x' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({
      title: 'Not Found',
      detail: 'No order 7.',
      code: 'order_not_found',
    })
  })

  it('sends WWW-Authenticate with unauthorized', async () => {
    app = build()
    app.get('/x', () => {
      throw unauthorized('Token missing.', { wwwAuthenticate: 'Bearer realm="ingest"' })
    })
    const res = await app.inject({ url: '/x' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ingest"')
  })

  it('sends Retry-After with serviceUnavailable and keeps its detail', async () => {
    app = build()
    app.get('/x', () => {
      throw serviceUnavailable('Queue is throttling.', { retryAfterSeconds: 30 })
    })
    const res = await app.inject({ url: '/x' })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('30')
    expect(res.json().detail).toBe('Queue is throttling.')
  })

  it('renders unprocessable with its field errors through a documented response schema', async () => {
    app = build()
    app.get('/x', { schema: { response: problemResponses(422) } }, () => {
      throw unprocessable('Dates are reversed.', [{ path: '/from', message: 'must precede /to' }], {
        extensions: { hint: 'swap them' },
      })
    })
    const res = await app.inject({ url: '/x' })
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: '/from', message: 'must precede /to' }],
      hint: 'swap them',
    })
  })
})

/** The error Node gives for a TCP connection to a port nothing listens on. */
async function refusedConnection(): Promise<Error> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  const port = typeof address === 'object' && address ? address.port : 0
  return new Promise((resolve) => createConnection(port, '127.0.0.1').on('error', resolve))
}

describe('an unreachable dependency', () => {
  it('answers a refused connection with 503, Retry-After and nothing of the error', async () => {
    const refused = await refusedConnection()
    app = build()
    app.get('/x', () => {
      throw refused
    })
    const res = await app.inject({ url: '/x', headers: { 'x-request-id': 'down-1' } })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    expect(res.json()).toMatchObject({ status: 503, code: 'dependency_unavailable' })
    expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/)
    const logged = logs.lines().filter((l) => JSON.stringify(l).includes('ECONNREFUSED'))
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ level: 40, reqId: 'down-1' })
  })

  it.each([
    ['postgres.js lost the connection', { code: 'CONNECTION_CLOSED' }],
    ['postgres.js timed out connecting', { code: 'CONNECT_TIMEOUT' }],
    ['the server is shutting down (57P01)', { code: '57P01' }],
    ['a connection exception (08006)', { code: '08006' }],
    ['fetch failed, caused by a reset', { cause: { code: 'ECONNRESET' } }],
  ])('answers 503 when %s', async (_, fields) => {
    app = build()
    app.get('/x', () => {
      throw Object.assign(new Error('down'), fields)
    })
    expect((await app.inject({ url: '/x' })).statusCode).toBe(503)
  })

  it('keeps a database error that is not about the connection a 500', async () => {
    app = build()
    app.get('/x', () => {
      throw Object.assign(new Error('duplicate key value'), { code: '23505' })
    })
    expect((await app.inject({ url: '/x' })).statusCode).toBe(500)
  })
})
