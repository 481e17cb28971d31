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

/** An error shaped as @ferry/cloud's CloudError and @ferry/db's DbError are (DriverError). */
function driverError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields)
}

/** A stand-in for postgres.js's error and @ferry/db's fromDbError, which the kit never imports. */
const postgresError = () =>
  driverError('write CONNECTION_CLOSED 10.0.0.5:5432', { code: 'CONNECTION_CLOSED' })
const fromDbError = (error: unknown) =>
  (error as { code?: string }).code === 'CONNECTION_CLOSED'
    ? driverError('the database is unavailable', {
        transient: true,
        dependency: 'the database',
        cause: error,
      })
    : error

describe('a transient failure of a dependency', () => {
  it("answers a cloud port's with 503, Retry-After naming it, and nothing of the error", async () => {
    app = build()
    app.get('/x', () => {
      throw driverError('SendMessageBatch https://sqs/q: ECONNREFUSED', {
        code: 'Unavailable',
        transient: true,
        dependency: 'the queue',
      })
    })
    const res = await app.inject({ url: '/x', headers: { 'x-request-id': 'down-1' } })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({
      status: 503,
      code: 'dependency_unavailable',
      detail: 'The queue is unavailable; retry shortly.',
    })
    expect(res.body).not.toMatch(/ECONNREFUSED|sqs/)
    const logged = logs.lines().filter((l) => JSON.stringify(l).includes('ECONNREFUSED'))
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ level: 40, reqId: 'down-1' })
  })

  it("answers the database's, once the app translates its errors, with 503 and Retry-After", async () => {
    app = build()
    app.addErrorTranslator(fromDbError)
    app.get('/x', () => {
      throw postgresError()
    })
    const res = await app.inject({ url: '/x' })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    expect(res.json()).toMatchObject({
      code: 'dependency_unavailable',
      detail: 'The database is unavailable; retry shortly.',
    })
    expect(res.body).not.toMatch(/10\.0\.0\.5/)
  })

  it('answers a transient error a handler wrapped (its cause) the same way', async () => {
    app = build()
    app.get('/x', () => {
      const cause = driverError('PutObject a.json: SlowDown', {
        transient: true,
        dependency: 'the bucket',
      })
      throw new Error('saving the snapshot failed', { cause })
    })
    const res = await app.inject({ url: '/x' })
    expect(res.statusCode).toBe(503)
    expect(res.json().detail).toBe('The bucket is unavailable; retry shortly.')
  })

  it('keeps a database error the translator does not recognise a 500', async () => {
    app = build()
    app.addErrorTranslator(fromDbError)
    app.get('/x', () => {
      throw driverError('duplicate key value', { code: '23505' })
    })
    expect((await app.inject({ url: '/x' })).statusCode).toBe(500)
  })

  it('keeps a driver error that is not transient a 500', async () => {
    app = build()
    app.get('/x', () => {
      throw driverError('GetObject a.json: AccessDenied', {
        transient: false,
        dependency: 'the bucket',
      })
    })
    expect((await app.inject({ url: '/x' })).statusCode).toBe(500)
  })
})

describe('a driver error the client caused', () => {
  it('answers with the client problem it carries', async () => {
    app = build()
    app.get('/x', () => {
      throw driverError('key "a/b" cannot be stored in a local bucket: a is a file', {
        transient: false,
        clientProblem: {
          status: 400,
          detail: 'The bucket cannot hold this key: a is a file',
          code: 'key_not_storable',
        },
      })
    })
    const res = await app.inject({ url: '/x' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      code: 'key_not_storable',
      detail: 'The bucket cannot hold this key: a is a file',
    })
  })
})

describe('the problem code on the reply', () => {
  it('is the code a refusal was answered with, and null for a success, for onResponse hooks', async () => {
    app = build()
    const seen: (string | null)[] = []
    app.addHook('onResponse', async (_request, reply) => {
      seen.push(reply.problemCode)
    })
    await app.inject({ method: 'POST', url: '/echo', headers: json, payload: '{"a":"x"}' })
    await app.inject({ method: 'POST', url: '/echo', headers: json, payload: '{"a":1}' })
    await app.inject({ method: 'POST', url: '/echo', headers: json, payload: '{' })
    await app.inject({ url: '/nowhere' })
    expect(seen).toEqual([null, 'validation_failed', 'invalid_json', 'route_not_found'])
  })
})
