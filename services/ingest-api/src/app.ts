import type { Queue, Secret } from '@ferry/cloud'
import {
  type BuiltService,
  createFailureLimiter,
  createService,
  type RequestTimeouts,
  type Tracing,
} from '@ferry/kit'
import type { Config } from './config.ts'
import { createIngestor } from './ingest.ts'
import { createIngestMetrics, type IngestMetrics } from './metrics.ts'
import { createPublisher, type Publisher } from './publisher.ts'
import { ingestRoutes } from './routes/ingest.ts'

export interface Deps {
  config: Config
  queue: Queue
  secret: Secret
  logger?: { stream?: NodeJS.WritableStream }
  /** Slow-client limits; the kit's defaults when unset. */
  timeouts?: RequestTimeouts
  /** startTracing's result: a span per request, its traceparent on each message. None: off. */
  tracing?: Tracing
}

export const VERSION = '0.1.0'

export interface IngestApp extends BuiltService {
  publisher: Publisher
  metrics: IngestMetrics
}

/**
 * The ingest-api: POST /ingest and /ingest/batch onto the queue. Closing the app waits for
 * in-flight requests, flushes pending batches, then closes the queue and the secret.
 */
export function buildApp(deps: Deps): IngestApp {
  const { config, queue, secret } = deps
  const app = createService({
    name: 'ingest-api',
    version: VERSION,
    tracing: deps.tracing,
    logLevel: config.LOG_LEVEL,
    logger: deps.logger,
    health: { paths: ['/health', '/healthz'], body: () => ({ status: 'ok' }) },
    openapi: { description: 'Token-checked email ingest onto SQS' },
    timeouts: deps.timeouts,
    trustProxy: config.TRUST_PROXY_HOPS,
  })
  const metrics = createIngestMetrics(app.metrics)
  const publisher = createPublisher(queue, {
    lingerMs: config.BATCH_LINGER_MS,
    onSend(entries) {
      metrics.sendRequests.inc()
      metrics.batchEntries.observe(entries)
    },
  })
  const ingestor = createIngestor({ secret, publisher, payloadVersion: config.PAYLOAD_VERSION })

  app.addReadinessCheck('token', async () => {
    await secret.get()
  })
  app.addReadinessCheck('queue', () => queue.ping())
  // Closers run last-registered-first: flush pending batches, then close the drivers.
  app.addCloser('secret', () => secret.close())
  app.addCloser('queue', () => queue.close())
  app.addCloser('publisher', () => publisher.flush())
  app.register(ingestRoutes, {
    prefix: '/ingest',
    ingestor,
    metrics,
    limiter: createFailureLimiter({
      maxFailures: config.AUTH_MAX_FAILURES,
      windowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS,
    }),
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxBatchBodyBytes: config.MAX_BATCH_BODY_BYTES,
  })
  return { app, publisher, metrics }
}
