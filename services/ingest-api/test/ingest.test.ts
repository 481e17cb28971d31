import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, countingSecret, email, post, type TestApp, TOKEN } from './helpers.ts'

const bearer = { authorization: `Bearer ${TOKEN}` }

describe('POST /ingest', () => {
  let t: TestApp
  let secret: ReturnType<typeof countingSecret>
  beforeAll(async () => {
    t = await buildTestApp({}, { secret: (s) => (secret = countingSecret(s)) })
  })
  afterAll(() => t.close())

  it('answers 200 with the message id only after the queue holds the envelope', async () => {
    const res = await post(t, { data: email({ extra_field: 'kept' }) }, bearer)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toEqual({
      status: 'accepted',
      message_id: expect.any(String),
      received_at: expect.any(String),
    })
    const [envelope] = await t.drain(1)
    expect(envelope).toEqual({
      message_id: body.message_id,
      received_at: body.received_at,
      payload_version: 'v1',
      data: email({ extra_field: 'kept' }),
    })
    expect(body.received_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(body.message_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)
  })

  it('accepts the token in the body', async () => {
    const res = await post(t, { token: TOKEN, data: email() })
    expect(res.statusCode).toBe(200)
    await t.drain(1)
  })

  it('lets the Authorization header win over the body token', async () => {
    const wrongHeader = await post(
      t,
      { token: TOKEN, data: email() },
      { authorization: 'Bearer nope' },
    )
    expect(wrongHeader.statusCode).toBe(403)
    const rightHeader = await post(t, { token: 'nope', data: email() }, bearer)
    expect(rightHeader.statusCode).toBe(200)
    await t.drain(1)
  })

  it('publishes a numeric string timestamp as a number', async () => {
    const res = await post(t, { data: email({ email_timestream: '1700000123' }) }, bearer)
    expect(res.statusCode).toBe(200)
    const [envelope] = (await t.drain(1)) as { data: { email_timestream: unknown } }[]
    expect(envelope?.data.email_timestream).toBe(1_700_000_123)
  })

  it('never puts the token in the envelope or any log line', async () => {
    const res = await post(t, { token: TOKEN, data: email() })
    expect(res.statusCode).toBe(200)
    const [envelope] = await t.drain(1)
    expect(JSON.stringify(envelope)).not.toContain(TOKEN)
    await post(t, { data: email() }, bearer)
    await t.drain(1)
    expect(t.logs.text()).not.toContain(TOKEN)
  })

  it.each([
    ['missing', {}],
    ['null', { token: null }],
    ['empty', { token: '' }],
  ])(
    'answers 401 "Token is required" when the token is %s, without reading SSM',
    async (_, token) => {
      const before = secret.reads()
      const res = await post(t, { ...token, data: email() })
      expect(res.statusCode).toBe(401)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json().detail).toBe('Token is required')
      expect(secret.reads()).toBe(before)
    },
  )

  it('answers 403 "Invalid token" for a wrong token', async () => {
    const res = await post(t, { token: 'wrong', data: email() })
    expect(res.statusCode).toBe(403)
    expect(res.json().detail).toBe('Invalid token')
  })

  it('checks the token before the timestamp: wrong token + bad timestamp → 403', async () => {
    const res = await post(t, { token: 'wrong', data: email({ email_timestream: 'abc' }) })
    expect(res.statusCode).toBe(403)
  })

  it('checks the token before the timestamp: missing token + bad timestamp → 401', async () => {
    const res = await post(t, { data: email({ email_timestream: 'abc' }) })
    expect(res.statusCode).toBe(401)
  })

  it.each(['abc', '', '12.5', 12.5, 0, -5, '-5', ' 12'])(
    'answers 400 for email_timestream %j',
    async (value) => {
      const res = await post(t, { data: email({ email_timestream: value }) }, bearer)
      expect(res.statusCode).toBe(400)
      expect(res.json().detail).toBe('email_timestream must be a unix timestamp')
    },
  )

  it('answers 422 naming each bad field by path', async () => {
    const { email_subject: _, ...noSubject } = email()
    const res = await post(t, { token: 5, data: { ...noSubject, email_sender: 42 } }, bearer)
    expect(res.statusCode).toBe(422)
    const paths = res.json().errors.map((e: { path: string }) => e.path)
    expect(paths).toEqual(
      expect.arrayContaining(['/token', '/data/email_subject', '/data/email_sender']),
    )
  })

  it.each([null, true, { n: 1 }])('answers 422 for email_timestream %j', async (value) => {
    const res = await post(t, { data: email({ email_timestream: value }) }, bearer)
    expect(res.statusCode).toBe(422)
    expect(JSON.stringify(res.json().errors)).toContain('/data/email_timestream')
  })

  it('answers 422 when data is missing or not an object', async () => {
    expect((await post(t, { token: TOKEN }, bearer)).statusCode).toBe(422)
    expect((await post(t, { data: 'x' }, bearer)).statusCode).toBe(422)
  })

  it('answers 422 naming an unknown field beside data, instead of dropping it', async () => {
    const res = await post(t, { data: email(), source: 'crm' }, bearer)
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([{ path: '/source', message: 'is not allowed' }])
  })

  it('answers 422 naming an unknown field of a batch or of its item', async () => {
    const top = await post(t, { items: [{ data: email() }], priority: 1 }, bearer, '/ingest/batch')
    expect(top.statusCode).toBe(422)
    expect(top.json().errors).toEqual([{ path: '/priority', message: 'is not allowed' }])
    const item = await post(t, { items: [{ data: email(), id: 7 }] }, bearer, '/ingest/batch')
    expect(item.statusCode).toBe(422)
    expect(item.json().errors).toEqual([{ path: '/items/0/id', message: 'is not allowed' }])
  })

  it('keeps unknown fields inside data: the payload is published as sent', async () => {
    expect((await post(t, { data: email({ extra: { a: 1 } }) }, bearer)).statusCode).toBe(200)
    const [message] = (await t.drain(1)) as { data: { extra: unknown } }[]
    expect(message?.data.extra).toEqual({ a: 1 })
  })

  it('answers 400 for a body that is not JSON', async () => {
    const res = await post(t, '{"data": ', bearer)
    expect(res.statusCode).toBe(400)
    expect(res.json().detail).toEqual(expect.any(String))
  })

  it('answers 415 for another content type', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/ingest',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...bearer },
      payload: 'data=1',
    })
    expect(res.statusCode).toBe(415)
  })

  it('answers 413 for a body over MAX_BODY_BYTES', async () => {
    const res = await post(t, { data: email({ email_content: 'x'.repeat(270_000) }) }, bearer)
    expect(res.statusCode).toBe(413)
  })

  it('gives the same message_id for the same Idempotency-Key', async () => {
    const headers = { ...bearer, 'idempotency-key': 'order-42' }
    const first = (await post(t, { data: email() }, headers)).json()
    const again = (await post(t, { data: email() }, headers)).json()
    const other = (
      await post(t, { data: email() }, { ...bearer, 'idempotency-key': 'order-43' })
    ).json()
    expect(again.message_id).toBe(first.message_id)
    expect(other.message_id).not.toBe(first.message_id)
    await t.drain(3)
  })
})

describe('health, readiness and docs', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  afterAll(() => t.close())

  it.each(['/health', '/healthz'])('answers %s with {"status":"ok"}', async (url) => {
    const res = await t.app.inject(url)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })

  it('is ready when the token can be read and the queue is reachable', async () => {
    const res = await t.app.inject('/ready')
    expect(res.statusCode).toBe(200)
    expect(res.json().checks).toEqual({ token: 'ok', queue: 'ok' })
  })

  it('documents POST /ingest with its request and every response in OpenAPI', async () => {
    const spec = (await t.app.inject('/openapi.json')).json()
    const op = spec.paths['/ingest'].post
    expect(op.requestBody.content['application/json'].schema.properties.data).toBeDefined()
    expect(Object.keys(op.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '413', '415', '422', '503']),
    )
    expect((await t.app.inject('/docs')).statusCode).toBeLessThan(400)
  })
})
