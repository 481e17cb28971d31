import { testResourceKinds } from '@ferry/cloud/testing'
import { metricValue, SpanKind } from '@ferry/kit'
import { memoryTracing } from '@ferry/kit/testing'
import { describe, expect, it } from 'vitest'
import { TRACE_ID_METADATA } from '../src/persist.ts'
import { envelope, keyOf, startedWorkers } from './helpers.ts'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_ID = '00f067aa0ba902b7'

describe.each(testResourceKinds())('traces in the worker on %s', (kind) => {
  const started = startedWorkers(kind)

  it("handles a message in a consumer span continuing its traceparent, and stores the trace id in the object's metadata", async () => {
    const memory = memoryTracing('worker')
    const w = await started({ tracing: memory.tracing })
    const e = envelope()
    const traceparent = `00-${TRACE_ID}-${PARENT_ID}-01`
    await w.queue.send([{ id: '0', body: JSON.stringify(e), attributes: { traceparent } }])
    await expect.poll(() => metricValue(w.metrics.deleted), { timeout: 20_000 }).toBe(1)
    const span = memory.spans().find((s) => s.kind === SpanKind.CONSUMER)
    expect(span?.spanContext().traceId).toBe(TRACE_ID)
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_ID)
    expect(span?.status.code).not.toBe(2)
    const info = await w.objects.head(keyOf(e))
    expect(info?.metadata[TRACE_ID_METADATA]).toBe(TRACE_ID)
    const persisted = w.logs.lines().find((l) => l.msg === 'message persisted')
    expect(persisted).toMatchObject({ trace_id: TRACE_ID, span_id: span?.spanContext().spanId })
  })

  it('starts a trace of its own for a message without a traceparent and stores that id', async () => {
    const memory = memoryTracing('worker')
    const w = await started({ tracing: memory.tracing })
    const e = envelope()
    await w.send(e)
    await expect.poll(() => metricValue(w.metrics.deleted), { timeout: 20_000 }).toBe(1)
    const span = memory.spans().find((s) => s.kind === SpanKind.CONSUMER)
    expect(span?.parentSpanContext).toBeUndefined()
    const info = await w.objects.head(keyOf(e))
    expect(info?.metadata[TRACE_ID_METADATA]).toBe(span?.spanContext().traceId)
  })

  it('ends the span of a message it cannot read in ERROR', async () => {
    const memory = memoryTracing('worker')
    const w = await started({ tracing: memory.tracing })
    await w.send('not an envelope')
    await expect
      .poll(() => memory.spans().filter((s) => s.kind === SpanKind.CONSUMER).length, {
        timeout: 20_000,
      })
      .toBeGreaterThan(0)
    expect(memory.spans()[0]?.status.code).toBe(2)
  })
})
