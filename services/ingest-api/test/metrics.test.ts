import { sampleValue } from '@ferry/kit/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, email, post, type TestApp, TOKEN } from './helpers.ts'

const bearer = { authorization: `Bearer ${TOKEN}` }

describe('the ingest-api metrics at /metrics', () => {
  let t: TestApp
  const ids: string[] = []
  const key = `metrics-key-${Date.now()}`

  beforeAll(async () => {
    // A linger long enough that concurrent requests share a SendMessageBatch on a loaded machine.
    t = await buildTestApp({ BATCH_LINGER_MS: '50', MAX_BODY_BYTES: '2048' })
  })
  afterAll(() => t?.close())

  const scrape = async () => {
    const res = await t.app.inject('/metrics')
    expect(res.statusCode).toBe(200)
    return res.body
  }
  const rejected = (text: string, reason: string) =>
    sampleValue(text, 'ferry_ingest_api_messages_rejected_total', { reason })

  it('counts accepted messages, single and batch items, and the entries of each SQS request', async () => {
    const singles = await Promise.all([1, 2, 3].map((n) => post(t, { data: email({ n }) }, bearer)))
    expect(singles.map((r) => r.statusCode)).toEqual([200, 200, 200])
    const batch = await post(
      t,
      { items: [{ data: email({ n: 4 }) }, { data: email({ n: 5 }) }] },
      bearer,
      '/ingest/batch',
    )
    expect(batch.statusCode).toBe(200)
    ids.push(...singles.map((r) => r.json().message_id))
    ids.push(...batch.json().results.map((r: { message_id: string }) => r.message_id))
    expect(await t.drain(5)).toHaveLength(5)

    const text = await scrape()
    expect(sampleValue(text, 'ferry_ingest_api_messages_accepted_total')).toBe(5)
    const requests = t.publisher.stats().requests
    expect(sampleValue(text, 'ferry_ingest_api_sqs_send_requests_total')).toBe(requests)
    expect(sampleValue(text, 'ferry_ingest_api_sqs_batch_entries_count')).toBe(requests)
    expect(sampleValue(text, 'ferry_ingest_api_sqs_batch_entries_sum')).toBe(5)
    // Three concurrent requests and a batch of two: fewer requests than messages.
    expect(requests).toBeLessThan(5)
    expect(sampleValue(text, 'ferry_ingest_api_sqs_batch_entries_bucket', { le: 10 })).toBe(
      requests,
    )
  })

  it('counts refused requests by the problem code they were answered with', async () => {
    const before = await scrape()
    const answers = [
      await post(t, { data: email() }),
      await post(t, { items: [{ data: email() }, { data: email() }] }, {}, '/ingest/batch'),
      await post(t, { data: email() }, { authorization: 'Bearer wrong-token' }),
      await post(t, { data: { email_subject: 'no sender' } }, bearer),
      await post(t, { data: email({ email_content: 'x'.repeat(4096) }) }, bearer),
      await post(t, '{"data":', bearer),
      await post(t, { data: email({ n: 'first' }) }, { ...bearer, 'idempotency-key': key }),
      await post(t, { data: email({ n: 'second' }) }, { ...bearer, 'idempotency-key': key }),
    ]
    expect(answers.map((r) => r.statusCode)).toEqual([401, 401, 403, 422, 413, 400, 200, 422])
    await t.drain(1)
    const text = await scrape()
    const counted = (reason: string) =>
      (rejected(text, reason) ?? 0) - (rejected(before, reason) ?? 0)
    // A batch refused whole counts once: its items were never looked at.
    expect(counted('unauthorized')).toBe(2)
    expect(counted('forbidden')).toBe(1)
    expect(counted('validation_failed')).toBe(1)
    expect(counted('payload_too_large')).toBe(1)
    expect(counted('invalid_json')).toBe(1)
    expect(counted('idempotency_key_reused')).toBe(1)
  })

  it("counts a batch's refused items one by one and its accepted items as accepted", async () => {
    const before = await scrape()
    const res = await post(
      t,
      { items: [{ data: email() }, { data: { email_subject: 'x' } }, { data: 'not an object' }] },
      bearer,
      '/ingest/batch',
    )
    expect(res.statusCode).toBe(207)
    ids.push(res.json().results[0].message_id)
    await t.drain(1)
    const text = await scrape()
    const accepted = (s: string) => sampleValue(s, 'ferry_ingest_api_messages_accepted_total') ?? 0
    expect(accepted(text) - accepted(before)).toBe(1)
    expect(
      (rejected(text, 'validation_failed') ?? 0) - (rejected(before, 'validation_failed') ?? 0),
    ).toBe(2)
  })

  it('never puts a message id, an idempotency key or a raw path in a label', async () => {
    await t.app.inject({ method: 'POST', url: '/ingest/nowhere-12345' })
    const text = await scrape()
    expect(ids.length).toBeGreaterThan(0)
    for (const id of ids) expect(text).not.toContain(id)
    expect(text).not.toContain(key)
    expect(text).not.toContain('nowhere-12345')
  })
})
