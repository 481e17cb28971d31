import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { awsOptionsFrom, openObjects, openQueue, openSecret } from '@ferry/cloud'
import { awsTestOptions } from '@ferry/cloud/testing'
import { buildApp as buildIngest } from '@ferry/ingest-api/app'
import { Config as IngestConfig } from '@ferry/ingest-api/config'
import { SpanKind } from '@ferry/kit'
import { captureLogs, memoryTracing } from '@ferry/kit/testing'
import { buildApp as buildWorker } from '@ferry/worker/app'
import { Config as WorkerConfig } from '@ferry/worker/config'
import { Value } from '@sinclair/typebox/value'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startService, waitFor } from '../src/index.ts'
import { countObjects, localPipeline, motoPipeline, type Pipeline, TOKEN } from './pipeline.ts'

const aws = awsTestOptions()
const backends: [string, () => Promise<Pipeline>][] = [['local', localPipeline]]
if (aws) backends.push(['moto', () => motoPipeline(aws)])

const EMAIL = {
  email_subject: 'traced',
  email_sender: 'e2e@example.com',
  email_content: 'one trace',
  email_timestream: 1_700_000_000,
}

/**
 * Both services in this process, each with its own tracer and an in-memory exporter: the spans
 * two processes would export, readable here.
 */
describe.each(backends)('one trace from POST /ingest to the stored object (%s)', (_, open) => {
  const ingestTraces = memoryTracing('ingest-api')
  const workerTraces = memoryTracing('worker')
  const workerLogs = captureLogs()
  let pipeline: Pipeline
  let ingest: ReturnType<typeof buildIngest>
  let worker: ReturnType<typeof buildWorker>
  beforeAll(async () => {
    pipeline = await open()
    const env = { ...pipeline.env, LOG_LEVEL: 'debug', POLL_WAIT_SECONDS: '1' }
    const ingestConfig = Value.Parse(IngestConfig, env)
    const workerConfig = Value.Parse(WorkerConfig, env)
    const options = { aws: awsOptionsFrom(ingestConfig) }
    ingest = buildIngest({
      config: ingestConfig,
      queue: openQueue(ingestConfig.SQS_QUEUE_URL, options),
      secret: openSecret(ingestConfig.SSM_TOKEN_PARAM, { ...options, ttlSeconds: 60 }),
      logger: { stream: captureLogs().stream },
      tracing: ingestTraces.tracing,
    })
    worker = buildWorker({
      config: workerConfig,
      queue: openQueue(workerConfig.SQS_QUEUE_URL, options),
      objects: openObjects(workerConfig.S3_BUCKET, options),
      logger: { stream: workerLogs.stream },
      tracing: workerTraces.tracing,
    })
    await Promise.all([ingest.app.ready(), worker.app.ready()])
  })
  afterAll(async () => {
    await Promise.all([ingest?.app.close(), worker?.app.close()])
    await pipeline?.cleanup()
  })

  it("carries the request's trace id through the queue to the worker's span and the object's metadata", async () => {
    const reply = await ingest.app.inject({
      method: 'POST',
      url: '/ingest',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { data: EMAIL },
    })
    expect(reply.statusCode).toBe(200)
    const messageId: string = reply.json().message_id
    const [request] = ingestTraces.spans()
    expect(request?.name).toBe('POST /ingest')
    const traceId = request?.spanContext().traceId

    const consumer = await vi.waitFor(
      () => {
        const span = workerTraces.spans().find((s) => s.kind === SpanKind.CONSUMER)
        if (!span) throw new Error('the worker has not handled the message yet')
        return span
      },
      { timeout: 30_000 },
    )
    expect(consumer.spanContext().traceId).toBe(traceId)
    expect(consumer.parentSpanContext?.spanId).toBe(request?.spanContext().spanId)
    expect(consumer.resource.attributes['service.name']).toBe('worker')

    const key = (await pipeline.objects.list({ prefix: 'emails/' })).objects
      .map((o) => o.key)
      .find((k) => k.endsWith(`${messageId}.json`))
    const info = key ? await pipeline.objects.head(key) : undefined
    expect(info?.metadata['trace-id']).toBe(traceId)
    const persisted = workerLogs.lines().find((l) => l.msg === 'message persisted')
    expect(persisted?.trace_id).toBe(traceId)
  })
})

/** An OTLP/HTTP collector that keeps the body of every export request. */
async function startCollector(): Promise<{ url: string; bodies: Buffer[]; server: Server }> {
  const bodies: Buffer[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (request.url === '/v1/traces') bodies.push(Buffer.concat(chunks))
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, bodies, server }
}

describe('the services as processes export one trace to OTEL_EXPORTER_OTLP_ENDPOINT (local)', () => {
  it("sends the request's span (ingest-api) and the message's (worker) in the request's trace", async () => {
    const pipeline = await localPipeline()
    const collector = await startCollector()
    try {
      const env = { ...pipeline.env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }
      const ingest = await startService('ingest-api', env)
      const worker = await startService('worker', { ...env, POLL_WAIT_SECONDS: '1' })
      const traceId = '5'.repeat(32)
      const reply = await fetch(`${ingest.url}/ingest`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          traceparent: `00-${traceId}-${'6'.repeat(16)}-01`,
        },
        body: JSON.stringify({ data: EMAIL }),
      })
      expect(reply.status).toBe(200)
      await waitFor('the object', async () => (await countObjects(pipeline.objects)) === 1)
      // SIGTERM: each process exports the spans it still holds before it exits.
      expect(await ingest.stop()).toBe(0)
      expect(await worker.stop()).toBe(0)
      // The OTLP protobuf holds ids as raw bytes and the service name as a string.
      const id = Buffer.from(traceId, 'hex')
      const exported = (service: string) =>
        collector.bodies.some((b) => b.includes(id) && b.includes(Buffer.from(service)))
      expect(exported('ingest-api')).toBe(true)
      expect(exported('worker')).toBe(true)
      const [object] = (await pipeline.objects.list({ prefix: 'emails/' })).objects
      const info = object ? await pipeline.objects.head(object.key) : undefined
      expect(info?.metadata['trace-id']).toBe(traceId)
    } finally {
      collector.server.close()
      await pipeline.cleanup()
    }
  })
})
