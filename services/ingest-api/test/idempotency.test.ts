import type { Secret } from '@ferry/cloud'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyMemory } from '../src/idempotency.ts'
import { createIngestor } from '../src/ingest.ts'
import type { Publisher } from '../src/publisher.ts'
import { buildTestApp, email, post, type TestApp, TOKEN } from './helpers.ts'

const bearer = { authorization: `Bearer ${TOKEN}` }

describe('Idempotency-Key', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  afterAll(() => t.close())

  it('answers 422 naming the reuse when a key comes back with another payload, and queues nothing', async () => {
    const headers = { ...bearer, 'idempotency-key': 'order-77' }
    const first = await post(t, { data: email({ email_subject: 'first' }) }, headers)
    expect(first.statusCode).toBe(200)
    const reused = await post(t, { data: email({ email_subject: 'second' }) }, headers)
    expect(reused.statusCode).toBe(422)
    expect(reused.headers['content-type']).toContain('application/problem+json')
    expect(reused.json()).toMatchObject({
      code: 'idempotency_key_reused',
      errors: [{ path: '/headers/idempotency-key' }],
    })
    expect(reused.json().detail).toContain('already used with a different payload')
    const bodies = (await t.drain(1)) as { data: { email_subject: string } }[]
    expect(bodies.map((b) => b.data.email_subject)).toEqual(['first'])
  })

  it('gives the same message_id for the same payload, whatever its key order or timestamp form', async () => {
    const headers = { ...bearer, 'idempotency-key': 'order-78' }
    const a = await post(t, { data: email() }, headers)
    const { email_subject, email_timestream, ...rest } = email()
    const reordered = { ...rest, email_timestream: String(email_timestream), email_subject }
    const b = await post(t, { data: reordered }, headers)
    expect(b.statusCode).toBe(200)
    expect(b.json().message_id).toBe(a.json().message_id)
    await t.drain(2)
  })

  it('answers 422 for a batch item whose key was used with another payload', async () => {
    const headers = { ...bearer, 'idempotency-key': 'batch-78' }
    await post(t, { items: [{ data: email({ n: 1 }) }] }, headers, '/ingest/batch')
    const res = await post(t, { items: [{ data: email({ n: 2 }) }] }, headers, '/ingest/batch')
    expect(res.statusCode).toBe(207)
    expect(res.json().results[0]).toMatchObject({ status: 'rejected', code: 422 })
    expect(await t.drain(1)).toHaveLength(1)
  })
})

describe('a key reused with another payload where it is not remembered', () => {
  const secret = { get: async () => TOKEN } as unknown as Secret
  const publisher = { publish: async () => 'sqs-id' } as unknown as Publisher
  const ingestorOf = () =>
    createIngestor({ secret, publisher, payloadVersion: 'v1', keys: createKeyMemory() })

  it('becomes a message of its own (another id), so neither payload is dropped', async () => {
    const a = await ingestorOf().accept(email({ email_subject: 'a' }), 'order-79')
    const b = await ingestorOf().accept(email({ email_subject: 'b' }), 'order-79')
    const again = await ingestorOf().accept(email({ email_subject: 'a' }), 'order-79')
    expect(b.message_id).not.toBe(a.message_id)
    expect(again.message_id).toBe(a.message_id)
  })

  it('is forgotten past the memory bound, oldest first', () => {
    const keys = createKeyMemory(2)
    keys.remember('k1', 'p1')
    keys.remember('k2', 'p2')
    keys.remember('k3', 'p3')
    expect(() => keys.check('k1', 'other')).not.toThrow()
    expect(() => keys.check('k3', 'other')).toThrow(/different payload/)
  })
})
