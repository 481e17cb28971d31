import { setTimeout as sleep } from 'node:timers/promises'
import type { ObjectStore, Queue, ReceivedMessage } from '@ferry/cloud'
import { type Envelope, parseEnvelope } from '@ferry/schemas'
import { backoffMs, createBackoff } from './backoff.ts'
import { createDeleter } from './deleter.ts'
import { holdLease } from './lease.ts'
import type { Log } from './log.ts'
import type { WorkerMetrics } from './metrics.ts'
import { persistEnvelope } from './persist.ts'
import { createSlots } from './slots.ts'
import { createStoreGate, isStoreOutage } from './store-gate.ts'

export interface ConsumerOptions {
  queue: Queue
  objects: ObjectStore
  /** The object key of an envelope (see key.ts). */
  keyOf: (envelope: Envelope) => string
  log: Log
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

interface Work {
  message: ReceivedMessage
  done: Promise<void>
  /** Shutdown gave up on it: it is released, and it must not be deleted later. */
  abandoned: boolean
}

/** After an empty receive a receiver waits at least this long in all (doubling, capped). */
const IDLE_BASE_MS = 100
const IDLE_MAX_MS = 2000

const pause = (ms: number, signal: AbortSignal) =>
  ms > 0 ? sleep(ms, undefined, { signal }).catch(() => undefined) : Promise.resolve()

/**
 * Messages per receive: a full batch when there is room for two, so that one batch is received
 * while another is written; otherwise half the concurrency, for the same overlap.
 */
export function receiveBatch(concurrency: number, maxMessages: number): number {
  if (concurrency >= 2 * maxMessages) return maxMessages
  return Math.max(1, Math.ceil(concurrency / 2))
}

/**
 * Keeps up to `concurrency` messages in flight with ceil(concurrency / batch) receivers, each
 * asking for a full batch only once it has room for it, so that under load every receive and
 * every delete carries up to 10 messages. A message is deleted only after its object exists.
 */
export function createConsumer(options: ConsumerOptions): Consumer {
  const { queue, objects, keyOf, log, metrics, waitSeconds, visibilityTimeout } = options
  const batch = receiveBatch(options.concurrency, options.maxMessages)
  const receivers = Math.ceil(options.concurrency / batch)
  const slots = createSlots(options.concurrency)
  const writeBackoff = createBackoff({ baseMs: 1000, maxMs: 30_000 })
  const deleter = createDeleter({ queue, log, metrics, lingerMs: options.deleteLingerMs ?? 500 })
  const working = new Map<string, Work>()
  const gate = createStoreGate({
    ping: () => objects.ping(),
    log,
    gauge: metrics.storeUnavailable,
  })

  const release = async (message: ReceivedMessage, seconds: number) => {
    metrics.released.inc()
    metrics.visibilityRequests.inc()
    try {
      await queue.changeVisibility(message.receiptHandle, seconds)
    } catch (error) {
      log.warn(
        { err: error, message_id: message.messageId },
        'release failed; the message returns after its visibility timeout',
      )
    }
  }

  const writeFailed = async (work: Work, key: string, error: unknown) => {
    metrics.failed.inc()
    const seconds = Math.ceil(writeBackoff.fail() / 1000)
    const fields = { err: error, message_id: work.message.messageId, key, retry_in_s: seconds }
    log.error(fields, 'write failed; releasing the message')
    if (!work.abandoned) await release(work.message, seconds)
  }

  /**
   * Writes the envelope, then queues its message for deletion. A write the store failed for its
   * own reasons (an outage) is retried once the store answers, the message held meanwhile;
   * any other failure releases it, so only failures the message causes count its receives.
   */
  const persist = async (work: Work, envelope: Envelope, signal: AbortSignal) => {
    const key = keyOf(envelope)
    const stopLease = holdLease(work.message, { queue, log, metrics, visibilityTimeout })
    try {
      for (;;) {
        if (!(await gate.whenUp(signal))) {
          // Stopping during an outage: hand the message back now rather than at its timeout.
          if (!work.abandoned) await release(work.message, 0)
          return
        }
        try {
          const outcome = await persistEnvelope(objects, key, envelope)
          gate.markUp()
          writeBackoff.succeed()
          metrics[outcome === 'written' ? 'written' : 'duplicates'].inc()
          metrics.lastMessageAge.set((Date.now() - Date.parse(envelope.received_at)) / 1000)
          log.debug({ message_id: envelope.message_id, key, outcome }, 'message persisted')
          if (!work.abandoned) deleter.add(work.message)
          return
        } catch (error) {
          if (!isStoreOutage(error)) return await writeFailed(work, key, error)
          metrics.failed.inc()
          log.warn(
            { err: error, message_id: work.message.messageId, key },
            'write failed: the store is unavailable; holding the message until it answers',
          )
          gate.markDown(error, signal)
        }
      }
    } finally {
      stopLease()
    }
  }

  const handle = async (work: Work, signal: AbortSignal) => {
    const parsed = parseEnvelope(work.message.body)
    if (parsed.ok) return persist(work, parsed.envelope, signal)
    metrics.invalid.inc()
    log.warn(
      {
        message_id: work.message.messageId,
        receive_count: work.message.receiveCount,
        reason: parsed.reason,
      },
      'not a known envelope; left on the queue for its dead-letter queue',
    )
  }

  const start = (message: ReceivedMessage, signal: AbortSignal) => {
    const work: Work = { message, done: Promise.resolve(), abandoned: false }
    work.done = handle(work, signal)
      .catch((error: unknown) =>
        log.error({ err: error, message_id: message.messageId }, 'message handling failed'),
      )
      .finally(() => {
        working.delete(message.receiptHandle)
        metrics.inFlight.set(working.size)
        slots.give(1)
      })
    working.set(message.receiptHandle, work)
    metrics.inFlight.set(working.size)
  }

  const receiveOnce = async (signal: AbortSignal): Promise<ReceivedMessage[]> => {
    metrics.receiveRequests.inc()
    const messages = await queue.receive({
      maxMessages: batch,
      waitSeconds,
      visibilityTimeout,
      signal,
    })
    metrics.received.inc(messages.length)
    if (messages.length > 0) log.debug({ count: messages.length }, 'messages received')
    return messages
  }

  const receiveLoop = async (signal: AbortSignal) => {
    let empty = 0
    let errors = 0
    while (!signal.aborted) {
      await pause(writeBackoff.remainingMs(), signal)
      if (!(await gate.whenUp(signal))) break
      if (!(await slots.take(batch, signal))) break
      const began = Date.now()
      let messages: ReceivedMessage[] = []
      try {
        messages = await receiveOnce(signal)
        errors = 0
      } catch (error) {
        errors++
        log.warn({ err: error }, 'receive failed')
      } finally {
        slots.give(batch - messages.length)
      }
      for (const message of messages) start(message, signal)
      empty = messages.length > 0 ? 0 : empty + 1
      // A long poll that waited its full time needs no further pause; a quick empty answer does.
      const idleMs = backoffMs(empty, IDLE_BASE_MS, IDLE_MAX_MS) - (Date.now() - began)
      await pause(Math.max(idleMs, backoffMs(errors, 500, 30_000)), signal)
    }
  }

  const drain = async (timeoutMs: number) => {
    const all = Promise.all([...working.values()].map((w) => w.done))
    const timer = new AbortController()
    const finished = await Promise.race([all.then(() => true), pause(timeoutMs, timer.signal)])
    timer.abort()
    if (finished === true || working.size === 0) return
    log.warn({ in_flight: working.size }, 'drain timed out; releasing what is still in flight')
    const left = [...working.values()]
    for (const work of left) work.abandoned = true
    await Promise.all(left.map((work) => release(work.message, 0)))
  }

  return {
    async run(signal) {
      log.info(
        { queue: queue.url, bucket: objects.name, concurrency: options.concurrency, receivers },
        'consumer started',
      )
      const stopping = () => log.info({ in_flight: working.size }, 'receiving stopped; draining')
      signal.addEventListener('abort', stopping, { once: true })
      await Promise.all(Array.from({ length: receivers }, () => receiveLoop(signal)))
      await drain(options.drainTimeoutMs ?? 10_000)
      await deleter.flush()
      log.info({}, 'consumer drained')
    },
  }
}
