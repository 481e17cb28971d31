import { testResourceKinds } from '@ferry/cloud/testing'
import { SpanKind } from '@ferry/kit'
import { memoryTracing } from '@ferry/kit/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { documentKey } from '../src/documents.ts'
import { ADMIN, buildTestApp, POLL, type TestApp, tokenFor } from './helpers.ts'

const traceparent = (traceId: string) => `00-${traceId}-${'c'.repeat(16)}-01`

describe.each(testResourceKinds())('traces through the api on %s', (kind) => {
  const memory = memoryTracing('api')
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ drivers: kind, tracing: memory.tracing })
  })
  afterAll(() => t?.close())

  /** The span of the request that got `reply`, and the consumer span `name` of its trace. */
  async function spansOf(reply: { headers: Record<string, unknown> }, name: string) {
    const server = memory
      .spans()
      .find((s) => s.attributes['ferry.request_id'] === reply.headers['x-request-id'])
    const traceId = server?.spanContext().traceId
    const consumer = await vi.waitFor(() => {
      const span = memory
        .spans()
        .find((s) => s.name === name && s.spanContext().traceId === traceId)
      if (!span) throw new Error(`no ${name} span in trace ${traceId} yet`)
      return span
    }, POLL)
    return { server, consumer }
  }

  it("continues a request's trace through SNS into the events consumer (the envelope's attributes)", async () => {
    const traceId = '1'.repeat(32)
    const reply = await t.app.inject({
      method: 'POST',
      url: '/sns/publish',
      headers: { authorization: `Bearer ${ADMIN}`, traceparent: traceparent(traceId) },
      payload: { message: 'traced', subject: 'Traced' },
    })
    expect(reply.statusCode).toBe(200)
    const { server, consumer } = await spansOf(reply, 'process notification')
    expect(server?.spanContext().traceId).toBe(traceId)
    expect(consumer.kind).toBe(SpanKind.CONSUMER)
    expect(consumer.parentSpanContext?.spanId).toBe(server?.spanContext().spanId)
    const line = await t.waitForLog((l) => l.sns_message_id === reply.json().message_id)
    expect(line.trace_id).toBe(traceId)
  })

  it("continues an export's trace through the queue and stores its id in the snapshot's metadata", async () => {
    const userId = `traced-${kind}-${Date.now()}`
    const token = tokenFor(userId)
    const auth = { authorization: `Bearer ${token}` }
    const body = { user_id: userId, annual_income: 1, total_debt: 0, credit_score: 700 }
    await t.app.inject({ method: 'POST', url: '/users/financial', headers: auth, payload: body })
    const traceId = '2'.repeat(32)
    const reply = await t.app.inject({
      method: 'POST',
      url: '/users/sqs/send',
      headers: { ...auth, traceparent: traceparent(traceId) },
      payload: { user_id: userId, data_type: 'financial' },
    })
    expect(reply.statusCode).toBe(200)
    const { server, consumer } = await spansOf(reply, 'process export')
    expect(consumer.parentSpanContext?.spanId).toBe(server?.spanContext().spanId)
    const info = await t.store.head(documentKey('financial', userId))
    expect(info?.metadata['trace-id']).toBe(traceId)
  })
})
