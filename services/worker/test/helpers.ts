import type { AwsOptions, ObjectStore, Queue, ReceivedMessage } from '@ferry/cloud'
import { openDeadLetters, openObjects, openQueue } from '@ferry/cloud'
import { openTestResources, type TestResourceKind } from '@ferry/cloud/testing'
import type { Tracing } from '@ferry/kit'
import { captureLogs } from '@ferry/kit/testing'
import { type Envelope, uuidv7 } from '@ferry/schemas'
import { Value } from '@sinclair/typebox/value'
import { afterEach } from 'vitest'
import { buildApp, type WorkerApp } from '../src/app.ts'
import { Config } from '../src/config.ts'

/** Where one test's queue (with its dead-letter queue) and bucket live. */
export interface Backend {
  kind: TestResourceKind
  aws: AwsOptions | undefined
  /** SQS_QUEUE_URL and S3_BUCKET for the worker. */
  queueUrl: string
  bucket: string
  dlqUrl: string
  cleanup(): Promise<void>
}

/** A fresh queue whose messages go to its dead-letter queue after `maxReceiveCount` receives. */
export async function openBackend(
  kind: TestResourceKind,
  options: { maxReceiveCount?: number; visibilityTimeout?: number } = {},
): Promise<Backend> {
  const resources = await openTestResources(kind)
  const queue = await resources.queue({
    maxReceiveCount: options.maxReceiveCount ?? 5,
    visibilityTimeout: options.visibilityTimeout ?? 30,
  })
  return {
    kind,
    aws: resources.aws,
    queueUrl: queue.url,
    bucket: await resources.bucket(),
    dlqUrl: queue.deadLetters ?? '',
    cleanup: () => resources.cleanup(),
  }
}

/** A valid envelope; override fields per test. */
export function envelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    message_id: uuidv7(),
    received_at: '2024-03-09T22:15:30.123Z',
    payload_version: 'v1',
    data: { email_subject: 'Quarterly report', email_sender: 'alice@example.com' },
    ...overrides,
  }
}

/** The default template's key of `e` with APP_ENV=test. */
export function keyOf(e: Envelope): string {
  const at = e.received_at.slice(0, 10).replaceAll('-', '/')
  return `emails/${e.payload_version}/test/${at}/${e.message_id}.json`
}

/** Sends raw bodies, 10 per batch. */
export async function sendBodies(queue: Queue, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const chunk = bodies.slice(i, i + 10).map((body, j) => ({ id: String(i + j), body }))
    const { failed } = await queue.send(chunk)
    if (failed.length > 0) throw new Error(`send failed: ${JSON.stringify(failed)}`)
  }
}

/** Every key in the store. */
export async function listKeys(objects: ObjectStore): Promise<string[]> {
  const keys: string[] = []
  let cursor: string | undefined
  do {
    const page = await objects.list(cursor ? { cursor } : {})
    keys.push(...page.objects.map((o) => o.key))
    cursor = page.nextCursor
  } while (cursor)
  return keys.sort()
}

/** Receives whatever is visible now (without deleting it), for asserting a queue is empty. */
export async function peek(queue: Queue): Promise<ReceivedMessage[]> {
  return queue.receive({ maxMessages: 10, waitSeconds: 0, visibilityTimeout: 0 })
}

export interface TestWorker extends WorkerApp {
  backend: Backend
  /** A producer's view of the worker's queue, and of its dead-letter queue. */
  queue: Queue
  dlq: Queue
  /** A reader's view of the worker's bucket. */
  objects: ObjectStore
  logs: ReturnType<typeof captureLogs>
  /** Sends envelopes (or raw strings) to the queue. */
  send(...messages: (Envelope | string)[]): Promise<void>
  /** Starts the consumer. */
  start(): Promise<void>
  close(): Promise<void>
}

export interface TestWorkerOptions {
  env?: Record<string, string>
  maxReceiveCount?: number
  /** The queue's own visibility timeout, in seconds. */
  queueVisibility?: number
  /** Wrap the worker's drivers, e.g. to inject faults or watch calls. */
  wrapQueue?: (queue: Queue, backend: Backend) => Queue
  wrapObjects?: (objects: ObjectStore, backend: Backend) => ObjectStore
  drainTimeoutMs?: number
  tracing?: Tracing
}

/** The worker on a fresh backend, not yet started; short polls and leases keep tests fast. */
export async function buildTestWorker(
  kind: TestResourceKind,
  options: TestWorkerOptions = {},
): Promise<TestWorker> {
  const backend = await openBackend(kind, {
    maxReceiveCount: options.maxReceiveCount,
    visibilityTimeout: options.queueVisibility,
  })
  const config = Value.Parse(Config, {
    SQS_QUEUE_URL: backend.queueUrl,
    S3_BUCKET: backend.bucket,
    APP_ENV: 'test',
    POLL_WAIT_SECONDS: 1,
    VISIBILITY_TIMEOUT: 5,
    WORKER_CONCURRENCY: 8,
    LOG_LEVEL: 'debug',
    ...options.env,
  })
  const aws = backend.aws
  const workerQueue = openQueue(backend.queueUrl, { aws })
  const workerObjects = openObjects(backend.bucket, { aws })
  const logs = captureLogs()
  const built = buildApp({
    config,
    queue: options.wrapQueue ? options.wrapQueue(workerQueue, backend) : workerQueue,
    objects: options.wrapObjects ? options.wrapObjects(workerObjects, backend) : workerObjects,
    deadLetters: openDeadLetters(backend.queueUrl, { aws }),
    logger: { stream: logs.stream },
    drainTimeoutMs: options.drainTimeoutMs,
    tracing: options.tracing,
  })
  const queue = openQueue(backend.queueUrl, { aws })
  const dlq = openQueue(backend.dlqUrl, { aws })
  const objects = openObjects(backend.bucket, { aws })
  let closed = false
  return {
    ...built,
    backend,
    queue,
    dlq,
    objects,
    logs,
    async send(...messages) {
      await sendBodies(
        queue,
        messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))),
      )
    },
    start: async () => {
      await built.app.ready()
    },
    async close() {
      if (closed) return
      closed = true
      await built.app.close()
      await Promise.all([queue.close(), dlq.close(), objects.close()])
      await backend.cleanup()
    },
  }
}

/**
 * Returns `started(options)`, which builds and starts a worker on `kind`; the worker it started
 * last is closed after each test (call inside a describe).
 */
export function startedWorkers(kind: TestResourceKind) {
  let worker: TestWorker | undefined
  afterEach(async () => {
    await worker?.close()
    worker = undefined
  })
  return async (options: TestWorkerOptions = {}): Promise<TestWorker> => {
    worker = await buildTestWorker(kind, options)
    await worker.start()
    return worker
  }
}
