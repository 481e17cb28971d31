import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createService,
  type ServiceApp,
  serviceUnavailable,
  startTracing,
  type Tracing,
  traceAttributes,
} from '../src/index.ts'
import { captureLogs, type MemoryTracing, memoryTracing } from '../src/testing.ts'

let app: ServiceApp | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

const INCOMING_TRACE = '0af7651916cd43dd8448eb211c80319c'
const INCOMING_SPAN = 'b7ad6b7169203331'
const TRACEPARENT = `00-${INCOMING_TRACE}-${INCOMING_SPAN}-01`

function build(tracing: Tracing, logs = captureLogs()): ServiceApp {
  app = createService({ name: 'svc', version: '1', tracing, logger: { stream: logs.stream } })
  app.get('/items/:id', async (request) => {
    request.log.info({ step: 'handler' }, 'handling')
    return { traceparent: traceAttributes().traceparent ?? null }
  })
  app.get('/fail', async () => {
    throw serviceUnavailable('down for a while')
  })
  app.get('/background', async () => {
    await tracing.inSpan('background job', {}, async () => {
      app?.log.info({ step: 'background' }, 'working')
    })
    return {}
  })
  return app
}

const serverSpans = (memory: MemoryTracing) => memory.spans().filter((s) => s.kind === 1)

describe('a server span per request', () => {
  it('names the span by method and route template and records the status', async () => {
    const memory = memoryTracing('svc')
    const reply = await build(memory.tracing).inject('/items/42')
    expect(reply.statusCode).toBe(200)
    const [span] = serverSpans(memory)
    expect(span?.name).toBe('GET /items/:id')
    expect(span?.attributes).toMatchObject({
      'http.route': '/items/:id',
      'http.response.status_code': 200,
    })
    expect(span?.resource.attributes['service.name']).toBe('svc')
    expect(span?.parentSpanContext).toBeUndefined()
  })

  it('continues the trace of an incoming traceparent header', async () => {
    const memory = memoryTracing('svc')
    await build(memory.tracing).inject({ url: '/items/1', headers: { traceparent: TRACEPARENT } })
    const [span] = serverSpans(memory)
    expect(span?.spanContext().traceId).toBe(INCOMING_TRACE)
    expect(span?.parentSpanContext?.spanId).toBe(INCOMING_SPAN)
  })

  it('starts a new trace when the traceparent header is malformed', async () => {
    const memory = memoryTracing('svc')
    await build(memory.tracing).inject({ url: '/items/1', headers: { traceparent: 'garbage' } })
    const [span] = serverSpans(memory)
    expect(span?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(span?.parentSpanContext).toBeUndefined()
  })

  it('propagates the request span to what the handler sends on (traceAttributes)', async () => {
    const memory = memoryTracing('svc')
    const reply = await build(memory.tracing).inject('/items/7')
    const [span] = serverSpans(memory)
    const { traceId, spanId } = span?.spanContext() ?? {}
    expect(reply.json().traceparent).toBe(`00-${traceId}-${spanId}-01`)
  })

  it('marks a 5xx answer as an error, with the error that caused it', async () => {
    const memory = memoryTracing('svc')
    expect((await build(memory.tracing).inject('/fail')).statusCode).toBe(503)
    const [span] = serverSpans(memory)
    expect(span?.status).toMatchObject({ code: 2, message: 'down for a while' })
    expect(span?.events.map((e) => e.name)).toContain('exception')
  })

  it('names a request no route matched by its method alone', async () => {
    const memory = memoryTracing('svc')
    expect((await build(memory.tracing).inject('/nowhere/42')).statusCode).toBe(404)
    const [span] = serverSpans(memory)
    expect(span?.name).toBe('GET')
    expect(span?.attributes['http.response.status_code']).toBe(404)
  })
})

describe('trace ids in log lines', () => {
  it("puts the request span's trace_id on the handler's line and on Fastify's own, once each", async () => {
    const memory = memoryTracing('svc')
    const logs = captureLogs()
    await build(memory.tracing, logs).inject({
      url: '/items/1',
      headers: { traceparent: TRACEPARENT },
    })
    const spanId = serverSpans(memory)[0]?.spanContext().spanId
    const lines = logs.lines().filter((l) => l.reqId !== undefined)
    expect(lines.map((l) => l.msg)).toEqual(['handling', 'request completed'])
    for (const line of lines)
      expect(line).toMatchObject({ trace_id: INCOMING_TRACE, span_id: spanId })
    for (const raw of logs.text().trim().split('\n')) {
      expect(raw.split('"trace_id"').length).toBeLessThanOrEqual(2)
    }
  })

  it('adds the active span to lines of loggers that are not the request’s', async () => {
    const memory = memoryTracing('svc')
    const logs = captureLogs()
    await build(memory.tracing, logs).inject('/background')
    const job = memory.spans().find((s) => s.name === 'background job')
    const line = logs.lines().find((l) => l.step === 'background')
    expect(line).toMatchObject({
      trace_id: job?.spanContext().traceId,
      span_id: job?.spanContext().spanId,
    })
    expect(job?.parentSpanContext?.spanId).toBe(serverSpans(memory)[0]?.spanContext().spanId)
  })

  it('leaves lines, answers and messages untouched when OTEL_SDK_DISABLED is true', async () => {
    const tracing = startTracing({ serviceName: 'svc', env: { OTEL_SDK_DISABLED: true } })
    const logs = captureLogs()
    const reply = await build(tracing, logs).inject({
      url: '/items/1',
      headers: { traceparent: TRACEPARENT },
    })
    expect(reply.json().traceparent).toBeNull()
    expect(logs.text()).not.toContain('trace_id')
  })
})

describe('exporting', () => {
  it('sends the spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces when the app closes', async () => {
    const received: { url?: string; type?: string; bytes: number }[] = []
    const collector = createServer((request: IncomingMessage, response) => {
      let bytes = 0
      request.on('data', (chunk: Buffer) => (bytes += chunk.length))
      request.on('end', () => {
        received.push({ url: request.url, type: request.headers['content-type'], bytes })
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
      })
    })
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
    const { port } = collector.address() as AddressInfo
    try {
      const tracing = startTracing({
        serviceName: 'svc',
        env: { OTEL_SDK_DISABLED: false, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      })
      const service = build(tracing)
      await service.inject('/items/1')
      expect(received).toEqual([])
      await service.close()
      app = undefined
      expect(received).toHaveLength(1)
      expect(received[0]).toMatchObject({ url: '/v1/traces', type: 'application/x-protobuf' })
      expect(received[0]?.bytes).toBeGreaterThan(0)
    } finally {
      collector.close()
    }
  })
})
