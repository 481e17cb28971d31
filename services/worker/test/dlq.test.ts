// The operator API over the worker queue's dead letters (/dlq), on the local queue and on SQS.
import { emulateMessageMoveTasks, testResourceKinds } from '@ferry/cloud/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envelope, keyOf, startedWorkers, type TestWorker } from './helpers.ts'

const OPERATOR_TOKEN = 'worker-operator-token-0123456789'
const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` }

describe.each(testResourceKinds())('the dead-letter API on %s', (kind) => {
  const started = startedWorkers(kind)
  // moto has no message move tasks: a stand-in answers those two SQS calls through moto.
  let moveTasks: ReturnType<typeof emulateMessageMoveTasks> | undefined
  beforeAll(() => {
    if (kind === 'aws') moveTasks = emulateMessageMoveTasks()
  })
  afterAll(async () => {
    await moveTasks?.idle()
    moveTasks?.restore()
  })

  const operatorWorker = () => started({ env: { OPERATOR_TOKEN } })
  const get = (w: TestWorker, url: string) => w.app.inject({ url, headers: auth })
  const post = (w: TestWorker, payload: object) =>
    w.app.inject({ method: 'POST', url: '/dlq/redrive', headers: auth, payload })
  /** Puts envelopes straight into the dead-letter queue, as failed deliveries would; their ids. */
  const deadLetters = async (w: TestWorker, count: number) => {
    const envelopes = Array.from({ length: count }, () => envelope())
    const sent = await w.dlq.send(
      envelopes.map((e, i) => ({
        id: String(i),
        body: JSON.stringify(e),
        attributes: { n: `${i}` },
      })),
    )
    expect(sent.failed).toEqual([])
    return { envelopes, ids: sent.successful.map((s) => s.messageId) }
  }
  const depth = async (w: TestWorker) => (await get(w, '/dlq')).json().depth
  const stored = async (w: TestWorker, key: string) => (await w.objects.head(key)) !== undefined

  it('is off without OPERATOR_TOKEN', async () => {
    const w = await started()
    expect((await get(w, '/dlq')).statusCode).toBe(404)
  })

  it('answers 401 without the bearer token', async () => {
    const w = await operatorWorker()
    const reply = await w.app.inject({ url: '/dlq' })
    expect(reply.statusCode).toBe(401)
    expect(reply.json().code).toBe('invalid_token')
  })

  it('documents the routes in OpenAPI, each requiring the bearer token', async () => {
    const w = await operatorWorker()
    const doc = (await w.app.inject({ url: '/docs/json' })).json()
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/dlq', '/dlq/messages', '/dlq/redrive']),
    )
    expect(doc.components.securitySchemes.operatorToken).toEqual({ type: 'http', scheme: 'bearer' })
    expect(doc.paths['/dlq/redrive'].post.security).toEqual([{ operatorToken: [] }])
  })

  it('shows the depth of the dead-letter queue and the age of its oldest message', async () => {
    const w = await operatorWorker()
    expect((await get(w, '/dlq')).json()).toMatchObject({ depth: 0, oldest_age_seconds: null })
    await deadLetters(w, 2)
    await expect.poll(() => depth(w), { timeout: 10_000 }).toBe(2)
    const stats = (await get(w, '/dlq')).json()
    expect(stats.queue).toBe(w.queue.url)
    expect(stats.oldest_age_seconds).toBeGreaterThanOrEqual(0)
    expect(stats.oldest_age_seconds).toBeLessThan(60)
  })

  it('shows dead letters with body, attributes and receive count, and keeps them', async () => {
    const w = await operatorWorker()
    const { envelopes, ids } = await deadLetters(w, 2)
    const reply = await get(w, '/dlq/messages?max=5')
    expect(reply.statusCode).toBe(200)
    const { messages } = reply.json()
    expect(messages.map((m: { message_id: string }) => m.message_id).sort()).toEqual(ids.sort())
    const first = messages.find((m: { body: string }) => m.body === JSON.stringify(envelopes[0]))
    expect(first).toMatchObject({ attributes: { n: '0' } })
    expect(first.receive_count).toBeGreaterThanOrEqual(0)
    expect(Date.parse(first.sent_at)).toBeLessThanOrEqual(Date.now())
    await expect.poll(() => depth(w), { timeout: 10_000 }).toBe(2)
  })

  it('refuses a peek of more than 100 messages with 422', async () => {
    const w = await operatorWorker()
    expect((await get(w, '/dlq/messages?max=101')).statusCode).toBe(422)
  })

  it('redrives the selected message, which the worker then stores; the other stays', async () => {
    const w = await operatorWorker()
    const { envelopes, ids } = await deadLetters(w, 2)
    const [chosen, other] = envelopes.map(keyOf)
    const reply = await post(w, { message_ids: [ids[0]] })
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toMatchObject({ status: 'COMPLETED', not_found: [], failed: [] })
    await expect.poll(() => stored(w, chosen ?? ''), { timeout: 20_000 }).toBe(true)
    expect(await stored(w, other ?? '')).toBe(false)
    await expect.poll(() => depth(w), { timeout: 10_000 }).toBe(1)
  })

  it('redrives every message, reports the redrive completed, and the worker stores them', async () => {
    const w = await operatorWorker()
    expect((await get(w, '/dlq/redrive')).statusCode).toBe(404)
    const { envelopes } = await deadLetters(w, 3)
    const reply = await post(w, {})
    expect([200, 202]).toContain(reply.statusCode)
    await expect
      .poll(async () => (await get(w, '/dlq/redrive')).json().status, { timeout: 20_000 })
      .toBe('COMPLETED')
    expect((await get(w, '/dlq/redrive')).json()).toMatchObject({ moved: 3, to_move: 3 })
    for (const e of envelopes) {
      await expect.poll(() => stored(w, keyOf(e)), { timeout: 20_000 }).toBe(true)
    }
    expect(await depth(w)).toBe(0)
  })
})
