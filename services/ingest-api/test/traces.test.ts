import { memoryTracing } from '@ferry/kit/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, email, post, type TestApp, TOKEN } from './helpers.ts'

const bearer = { authorization: `Bearer ${TOKEN}` }
const traceparent = (n: number) => `00-${String(n).padStart(32, 'a')}-${'b'.repeat(16)}-01`

describe('trace context on the queue', () => {
  const memory = memoryTracing('ingest-api')
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ BATCH_LINGER_MS: '200' }, { tracing: memory.tracing })
  })
  afterAll(() => t.close())

  it("gives each message of one SendMessageBatch the traceparent of its own request's span", async () => {
    const before = t.publisher.stats().requests
    const replies = await Promise.all(
      [1, 2, 3].map((n) => post(t, { data: email() }, { ...bearer, traceparent: traceparent(n) })),
    )
    expect(t.publisher.stats().requests - before).toBe(1)
    const messages = await t.receiveAll(3)
    expect(messages).toHaveLength(3)
    for (const [i, reply] of replies.entries()) {
      const id = reply.json().message_id
      const message = messages.find((m) => JSON.parse(m.body).message_id === id)
      const span = memory
        .spans()
        .find((s) => s.attributes['ferry.request_id'] === reply.headers['x-request-id'])
      expect(span?.spanContext().traceId).toBe(String(i + 1).padStart(32, 'a'))
      expect(message?.attributes.traceparent).toBe(
        `00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`,
      )
    }
  })

  it('logs the trace id on the lines of the request that queued the message', async () => {
    const reply = await post(t, { data: email() }, bearer)
    const [message] = await t.receiveAll(1)
    const traceId = message?.attributes.traceparent?.split('-')[1]
    const lines = t.logs.lines().filter((l) => l.reqId === reply.headers['x-request-id'])
    expect(lines.map((l) => l.msg)).toEqual(['request completed'])
    for (const line of lines) expect(line.trace_id).toBe(traceId)
  })
})
