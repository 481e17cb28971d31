import type { ObjectStore, Queue } from '@ferry/cloud'
import { type BuiltService, createService, type Tracing } from '@ferry/kit'
import type { Config } from './config.ts'
import { createConsumer } from './consumer.ts'
import { compileKeyTemplate } from './key.ts'
import { createWorkerMetrics, type WorkerMetrics } from './metrics.ts'

export interface Deps {
  config: Config
  queue: Queue
  objects: ObjectStore
  logger?: { stream?: NodeJS.WritableStream }
  /** How long shutdown waits for in-flight writes before releasing them; default 10 s. */
  drainTimeoutMs?: number
  /**
   * startTracing's result: a consumer span per message, continuing the trace its `traceparent`
   * attribute names, and the trace id in the object's metadata. None: off.
   */
  tracing?: Tracing
}

export const VERSION = '0.1.0'

export interface WorkerApp extends BuiltService {
  metrics: WorkerMetrics
}

/**
 * The worker: a consumer loop from the queue to the object store, plus /health, /ready (queue and
 * bucket reachable) and /metrics. Closing the app stops receiving, drains in-flight messages,
 * sends pending deletes, then closes the queue and the store.
 */
export function buildApp(deps: Deps): WorkerApp {
  const { config, queue, objects } = deps
  const drainTimeoutMs = deps.drainTimeoutMs ?? 10_000
  const app = createService({
    name: 'worker',
    version: VERSION,
    tracing: deps.tracing,
    logLevel: config.LOG_LEVEL,
    logger: deps.logger,
    openapi: { description: 'Consumes the ingest queue into the payloads bucket' },
    shutdownTimeoutMs: drainTimeoutMs + 10_000,
  })
  const metrics = createWorkerMetrics(app.metrics)
  const consumer = createConsumer({
    queue,
    objects,
    keyOf: compileKeyTemplate(config.S3_KEY_TEMPLATE, config.APP_ENV),
    log: app.log.child({ component: 'consumer' }),
    metrics,
    concurrency: config.WORKER_CONCURRENCY,
    maxMessages: config.MAX_MESSAGES,
    waitSeconds: config.POLL_WAIT_SECONDS,
    visibilityTimeout: config.VISIBILITY_TIMEOUT,
    drainTimeoutMs,
    tracing: deps.tracing,
  })

  app.addReadinessCheck('queue', () => queue.ping())
  app.addReadinessCheck('bucket', () => objects.ping())
  app.addLoop('consumer', (signal) => consumer.run(signal))
  app.addCloser('queue', () => queue.close())
  app.addCloser('objects', () => objects.close())
  return { app, metrics }
}
