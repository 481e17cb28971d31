import type { DeadLetters, ObjectStore, Queue } from '@ferry/cloud'
import {
  type BuiltService,
  createService,
  OPERATOR_SECURITY_SCHEMES,
  requireBearer,
  type Tracing,
} from '@ferry/kit'
import type { Config } from './config.ts'
import { createConsumer } from './consumer.ts'
import { compileKeyTemplate } from './key.ts'
import { createWorkerMetrics, type WorkerMetrics } from './metrics.ts'
import { dlqRoutes } from './routes/dlq.ts'

export interface Deps {
  config: Config
  queue: Queue
  objects: ObjectStore
  /** The queue's dead letters, for the operator API (/dlq); it is on only with OPERATOR_TOKEN. */
  deadLetters?: DeadLetters
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
 * bucket reachable) and /metrics; with OPERATOR_TOKEN and `deadLetters`, the operator API under
 * /dlq (bearer token) lists, peeks at and redrives the queue's dead letters. Closing the app stops receiving, drains in-flight messages,
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
    openapi: {
      description: 'Consumes the ingest queue into the payloads bucket',
      tags: [{ name: 'dlq', description: 'Operator API (internal; OPERATOR_TOKEN bearer)' }],
      securitySchemes: OPERATOR_SECURITY_SCHEMES,
    },
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
  const { deadLetters } = deps
  const token = config.OPERATOR_TOKEN
  if (deadLetters) app.addCloser('dead letters', () => deadLetters.close())
  if (deadLetters && token !== undefined) {
    app.register(async (operator) => {
      operator.addHook('onRequest', requireBearer(token))
      await operator.register(dlqRoutes, { prefix: '/dlq', deadLetters })
    })
  }
  return { app, metrics }
}
