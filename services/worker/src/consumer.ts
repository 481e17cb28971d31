import { setTimeout as sleep } from 'node:timers/promises'
import {
  type ConsumeLog,
  consume,
  createBackoff,
  type MessageHandler,
  type ObjectStore,
  type Queue,
  type ReceivedMessage,
} from '@ferry/cloud'
import { activeTraceId, disabledTracing, SpanKind, type Tracing } from '@ferry/kit'
import { type Envelope, parseEnvelope } from '@ferry/schemas'
import type { WorkerMetrics } from './metrics.ts'
import { persistEnvelope } from './persist.ts'
import { createStoreGate, isStoreOutage } from './store-gate.ts'

export interface ConsumerOptions {
  queue: Queue
  objects: ObjectStore
  /** The object key of an envelope (see key.ts). */
  keyOf: (envelope: Envelope) => string
  log: ConsumeLog
  metrics: WorkerMetrics
  /** Messages in flight at most. */
  concurrency: number
  /** Messages per receive, 1–10. */
  maxMessages: number
  /** Long-poll wait of one receive, in seconds. */
  waitSeconds: number
  /** Lease of a received message, in seconds; extended while its write runs. */
  visibilityTimeout: number
  /**
   * How long a partial delete batch waits, in ms. Default 500: the object is already stored and
   * the slot free, so waiting costs nothing but a redelivery that the conditional write absorbs;
   * at 20 ms, messages finishing ~100 ms apart (a slow S3 or SQS) were deleted nearly one by one.
   */
  deleteLingerMs?: number
  /** How long shutdown waits for in-flight writes before releasing them, in ms. Default 10 s. */
  drainTimeoutMs?: number
  /** A consumer span per message (see handle); default: none. */
  tracing?: Tracing
}

/** The queue → object store loop. */
export interface Consumer {
  /**
   * Receives and persists until `signal` aborts, then stops receiving, waits for in-flight
   * writes (up to the drain timeout; what is still running is made visible again), sends the
   * pending deletes and resolves. Never rejects.
   */
  run(signal: AbortSignal): Promise<void>
}

/** A message the handler did not finish and has logged why; released after `seconds` when set. */
class Unfinished extends Error {
  readonly seconds: number | undefined
  constructor(seconds: number | undefined) {
    super('message not finished')
    this.seconds = seconds
  }
}

const pause = (ms: number, signal: AbortSignal) =>
  ms > 0 ? sleep(ms, undefined, { signal }).catch(() => undefined) : Promise.resolve()

/**
 * The worker's handler on the cloud `consume` loop: a message is deleted only after its object
 * exists. A write the store failed for its own reasons (an outage) is retried once the store
 * answers, the message held meanwhile and receiving paused; any other failure releases it after
 * a backoff, so only failures the message causes count its receives.
 */
export function createConsumer(options: ConsumerOptions): Consumer {
  const { queue, objects, keyOf, log, metrics } = options
  const tracing = options.tracing ?? disabledTracing()
  const writeBackoff = createBackoff({ baseMs: 1000, maxMs: 30_000 })
  const gate = createStoreGate({
    ping: () => objects.ping(),
    log,
    gauge: metrics.storeUnavailable,
  })

  const writeFailed = (message: ReceivedMessage, key: string, error: unknown) => {
    metrics.failed.inc()
    const seconds = Math.ceil(writeBackoff.fail() / 1000)
    const fields = { err: error, message_id: message.messageId, key, retry_in_s: seconds }
    log.error(fields, 'write failed; releasing the message')
    return new Unfinished(seconds)
  }

  /** `receivedAt`: performance.now() when the message arrived, for the receive-to-write time. */
  const persist = async (
    message: ReceivedMessage,
    envelope: Envelope,
    receivedAt: number,
    signal: AbortSignal,
  ) => {
    const key = keyOf(envelope)
    for (;;) {
      // Stopping during an outage: hand the message back now rather than at its timeout.
      if (!(await gate.whenUp(signal))) throw new Unfinished(0)
      try {
        const outcome = await persistEnvelope(objects, key, envelope, activeTraceId())
        gate.markUp()
        writeBackoff.succeed()
        metrics[outcome === 'written' ? 'written' : 'duplicates'].inc()
        metrics.receiveToWrite.observe((performance.now() - receivedAt) / 1000)
        metrics.lastMessageAge.set((Date.now() - Date.parse(envelope.received_at)) / 1000)
        log.debug({ message_id: envelope.message_id, key, outcome }, 'message persisted')
        return
      } catch (error) {
        if (!isStoreOutage(error)) throw writeFailed(message, key, error)
        metrics.failed.inc()
        log.warn(
          { err: error, message_id: message.messageId, key },
          'write failed: the store is unavailable; holding the message until it answers',
        )
        gate.markDown(error, signal)
      }
    }
  }

  // consume starts the handler (through its span) in the tick its receive returned: the moment
  // of receipt.
  const handleOne: MessageHandler = async (message, { signal }) => {
    const receivedAt = performance.now()
    const parsed = parseEnvelope(message.body)
    if (parsed.ok) return persist(message, parsed.envelope, receivedAt, signal)
    metrics.invalid.inc()
    log.warn(
      { message_id: message.messageId, receive_count: message.receiveCount, reason: parsed.reason },
      'not a known envelope; left on the queue for its dead-letter queue',
    )
    throw new Unfinished(undefined)
  }

  // A child of the message's trace (not a link): each message is handled on its own, so its
  // request, this span and its object form one trace. Handing the message back ends it in ERROR.
  const handle: MessageHandler = (message, context) =>
    tracing.inSpan(
      'process',
      {
        kind: SpanKind.CONSUMER,
        carrier: message.attributes,
        attributes: {
          'messaging.operation.type': 'process',
          'messaging.message.id': message.messageId,
          'messaging.destination.name': queue.url,
          'ferry.receive_count': message.receiveCount,
        },
      },
      () => handleOne(message, context),
    )

  const onError = (error: unknown, message: ReceivedMessage) => {
    if (error instanceof Unfinished) return error.seconds
    log.error({ err: error, message_id: message.messageId }, 'message handling failed')
    return undefined
  }

  return {
    run: (signal) =>
      consume(queue, handle, {
        signal,
        log,
        concurrency: options.concurrency,
        batchSize: options.maxMessages,
        waitSeconds: options.waitSeconds,
        visibilityTimeout: options.visibilityTimeout,
        deleteLingerMs: options.deleteLingerMs ?? 500,
        drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
        async beforeReceive(signal) {
          await pause(writeBackoff.remainingMs(), signal)
          await gate.whenUp(signal)
        },
        onError,
        onReceive(count) {
          metrics.receiveRequests.inc()
          metrics.received.inc(count)
        },
        onDelete(deleted, failed) {
          metrics.deleteRequests.inc()
          metrics.deleted.inc(deleted)
          metrics.deleteFailed.inc(failed)
        },
        onVisibility(kind) {
          metrics.visibilityRequests.inc()
          if (kind === 'release') metrics.released.inc()
        },
        onInFlight: (count) => metrics.inFlight.set(count),
      }),
  }
}
