import type { Queue } from '@ferry/cloud'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, email, post, type TestApp, TOKEN } from './helpers.ts'

const bearer = { authorization: `Bearer ${TOKEN}` }

/** Counts SendMessageBatch requests the service makes (one per `send`). */
function countingQueue(queue: Queue, counter: { sends: number }): Queue {
  return Object.assign(Object.create(queue), {
    send(messages: Parameters<Queue['send']>[0]) {
      counter.sends++
      return queue.send(messages)
    },
  }) as Queue
}

describe('micro-batching', () => {
  const counter = { sends: 0 }
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ BATCH_LINGER_MS: '5' }, { queue: (q) => countingQueue(q, counter) })
  })
  afterAll(() => t.close())

  it('coalesces 200 concurrent requests into ≤ 0.15 SQS requests per message', async () => {
    counter.sends = 0
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(t, { data: email({ n: i }) }, bearer)),
    )
    expect(responses.map((r) => r.statusCode)).toEqual(Array(200).fill(200))
    expect(counter.sends / 200).toBeLessThanOrEqual(0.15)
    const ids = new Set(responses.map((r) => r.json().message_id))
    const bodies = (await t.drain(200)) as { message_id: string }[]
    expect(new Set(bodies.map((b) => b.message_id))).toEqual(ids)
  })

  it('sends a lone request after the linger rather than waiting for company', async () => {
    const started = performance.now()
    const res = await post(t, { data: email() }, bearer)
    expect(res.statusCode).toBe(200)
    expect(performance.now() - started).toBeLessThan(1000)
    await t.drain(1)
  })
})

describe('POST /ingest/batch', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  afterAll(() => t.close())

  it('answers 200 with one accepted result per item, in order', async () => {
    const items = Array.from({ length: 25 }, (_, i) => ({ data: email({ n: i }) }))
    const res = await post(t, { items }, bearer, '/ingest/batch')
    expect(res.statusCode).toBe(200)
    const { results } = res.json()
    expect(results.map((r: { index: number }) => r.index)).toEqual([...Array(25).keys()])
    expect(results.every((r: { status: string }) => r.status === 'accepted')).toBe(true)
    const bodies = (await t.drain(25)) as { data: { n: number } }[]
    expect(bodies.map((b) => b.data.n).sort((a, b) => a - b)).toEqual([...Array(25).keys()])
  })

  it('answers 207 rejecting only the bad items, with the code each would have had', async () => {
    const items = [
      { data: email() },
      { data: email({ email_timestream: '12.5' }) },
      { data: { email_subject: 'no sender' } },
      { data: email() },
    ]
    const res = await post(t, { items }, bearer, '/ingest/batch')
    expect(res.statusCode).toBe(207)
    const { results } = res.json()
    expect(results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'rejected',
      'rejected',
      'accepted',
    ])
    expect(results[1]).toEqual({
      index: 1,
      status: 'rejected',
      code: 400,
      detail: 'email_timestream must be a unix timestamp',
    })
    expect(results[2].code).toBe(422)
    expect(results[2].detail).toContain('/data/email_sender')
    expect(await t.drain(2)).toHaveLength(2)
  })

  it('applies the token rules to the whole batch', async () => {
    expect((await post(t, { items: [{ data: email() }] }, {}, '/ingest/batch')).statusCode).toBe(
      401,
    )
    const wrong = await post(t, { token: 'x', items: [{ data: email() }] }, {}, '/ingest/batch')
    expect(wrong.statusCode).toBe(403)
  })

  it('answers 422 for an empty batch or more than 500 items', async () => {
    expect((await post(t, { items: [] }, bearer, '/ingest/batch')).statusCode).toBe(422)
    const many = Array.from({ length: 501 }, () => ({ data: {} }))
    expect((await post(t, { items: many }, bearer, '/ingest/batch')).statusCode).toBe(422)
  })

  it('derives per-item ids from the Idempotency-Key so a retried batch maps to the same ids', async () => {
    const headers = { ...bearer, 'idempotency-key': 'batch-7' }
    const items = [{ data: email() }, { data: email() }]
    const first = (await post(t, { items }, headers, '/ingest/batch')).json().results
    const again = (await post(t, { items }, headers, '/ingest/batch')).json().results
    expect(again.map((r: { message_id: string }) => r.message_id)).toEqual(
      first.map((r: { message_id: string }) => r.message_id),
    )
    expect(first[0].message_id).not.toBe(first[1].message_id)
    await t.drain(4)
  })
})

/** JSON text of a payload whose extra field is nested `levels` arrays deep. */
function deepItem(levels: number): string {
  const { email_subject, email_sender, email_content, email_timestream } = email()
  const head = JSON.stringify({ email_subject, email_sender, email_content, email_timestream })
  return `{"data":${head.slice(0, -1)},"deep":${'['.repeat(levels)}${']'.repeat(levels)}}}`
}

describe('POST /ingest/batch, items that fail late', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  afterAll(() => t.close())

  it('answers 207 rather than 500 for an item too deep to serialise, queuing only the others', async () => {
    const good = JSON.stringify({ data: email() })
    const payload = `{"items":[${good},${deepItem(20_000)},${good}]}`
    const res = await post(t, payload, bearer, '/ingest/batch')
    expect(res.statusCode).toBe(207)
    const { results } = res.json()
    expect(results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'rejected',
      'accepted',
    ])
    expect(results[1]).toMatchObject({ index: 1, code: 400 })
    expect(await t.drain(2)).toHaveLength(2)
  })

  it('answers each item when the queue fails for some of them, never a bare 500', async () => {
    let sends = 0
    const flaky = await buildTestApp(
      { BATCH_LINGER_MS: '0' },
      {
        queue: (q) =>
          Object.assign(Object.create(q), {
            send(messages: Parameters<Queue['send']>[0]) {
              if (++sends === 2) throw new TypeError('socket hang up')
              return q.send(messages)
            },
          }) as Queue,
      },
    )
    try {
      const items = Array.from({ length: 20 }, (_, i) => ({ data: email({ n: i }) }))
      const res = await post(flaky, { items }, bearer, '/ingest/batch')
      expect(res.statusCode).toBe(207)
      const { results } = res.json()
      const accepted = results.filter((r: { status: string }) => r.status === 'accepted')
      const rejected = results.filter((r: { status: string }) => r.status === 'rejected')
      expect(rejected.length).toBeGreaterThan(0)
      expect(rejected.every((r: { code: number }) => r.code === 503)).toBe(true)
      expect(await flaky.drain(accepted.length)).toHaveLength(accepted.length)
    } finally {
      await flaky.close()
    }
  })
})
