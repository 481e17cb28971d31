import { setTimeout as sleep } from 'node:timers/promises'
import { backoffMs } from './backoff.ts'
import { createDeleter } from './consume-delete.ts'
import { holdLease } from './consume-lease.ts'
import type { ConsumeLog, ConsumeOptions, MessageHandler } from './consume-options.ts'
import { createPool } from './consume-pool.ts'
import type { Queue, ReceivedMessage } from './queue.ts'

interface Work {
  message: ReceivedMessage
  done: Promise<void>
  /** The drain gave up on it: it was released, and it must not be deleted or released again. */
  abandoned: boolean
}

/** After an empty receive a receiver waits at least this long in all (doubling, capped). */
const IDLE_BASE_MS = 100
const IDLE_MAX_MS = 2000
/** After a failed receive (doubling per failure in a row, capped). */
const RETRY_BASE_MS = 500
const RETRY_MAX_MS = 30_000

const ignore = () => undefined
const silent: ConsumeLog = { debug: ignore, info: ignore, warn: ignore, error: ignore }

const pause = (ms: number, signal: AbortSignal) =>
  ms > 0 ? sleep(ms, undefined, { signal }).catch(ignore) : Promise.resolve()

/**
 * Messages per receive: a full batch when there is room for two, so that one batch is received
 * while another is handled; otherwise half the pool, for the same overlap.
 */
export function receiveBatch(concurrency: number, batchSize: number): number {
  if (concurrency >= 2 * batchSize) return batchSize
  return Math.max(1, Math.ceil(concurrency / 2))
}

/**
 * Receives from `queue` and runs `handler` on each message until `options.signal` aborts, with
 * sqs-consumer's rule: a handler that resolves has its message deleted (in batches of up to 10),
 * one that throws leaves it on the queue for redelivery and, in the end, the dead-letter queue.
 * Up to `concurrency` handlers run at once, fed by ceil(concurrency / batch) receivers that each
 * receive only once the pool has room for a whole batch; a running handler's message is kept
 * invisible by heartbeats. On abort it stops receiving, waits for the running handlers (up to
 * `drainTimeoutMs`), sends the pending deletes and resolves. Rejects only with a receive error
 * `isFatal` accepts, after the same drain.
 */
export async function consume(
  queue: Queue,
  handler: MessageHandler,
  options: ConsumeOptions,
): Promise<void> {
  const log = options.log ?? silent
  const concurrency = options.concurrency ?? 10
  const batch = receiveBatch(concurrency, options.batchSize ?? 10)
  const receivers = Math.ceil(concurrency / batch)
  const { visibilityTimeout } = options
  const waitSeconds = options.waitSeconds ?? 20
  const pool = createPool(concurrency)
  const deleter = createDeleter({
    queue,
    log,
    lingerMs: options.deleteLingerMs ?? 0,
    onDelete: options.onDelete,
  })
  const working = new Map<string, Work>()
  const failure = new AbortController()
  let fatal: { error: unknown } | undefined
  const signal = AbortSignal.any([options.signal, failure.signal])

  const release = async (message: ReceivedMessage, seconds: number) => {
    options.onVisibility?.('release')
    try {
      await queue.changeVisibility(message.receiptHandle, seconds)
    } catch (error) {
      log.warn(
        { err: error, message_id: message.messageId },
        'release failed; the message returns after its visibility timeout',
      )
    }
  }

  const onError =
    options.onError ??
    ((error: unknown, message: ReceivedMessage) => {
      const fields = {
        err: error,
        message_id: message.messageId,
        receive_count: message.receiveCount,
      }
      log.warn(fields, 'message handling failed; left on the queue')
      return undefined
    })

  const lease = (message: ReceivedMessage) => {
    if (visibilityTimeout === undefined) return ignore
    return holdLease(message, {
      queue,
      log,
      visibilityTimeout,
      intervalSeconds: options.heartbeatSeconds ?? visibilityTimeout / 2,
      onBeat: () => options.onVisibility?.('heartbeat'),
    })
  }

  const handle = async (work: Work) => {
    const { message } = work
    const stopLease = lease(message)
    try {
      await handler(message, { signal })
    } catch (error) {
      stopLease()
      const seconds = onError(error, message)
      if (seconds !== undefined && !work.abandoned) await release(message, seconds)
      return
    }
    stopLease()
    if (!work.abandoned) deleter.add(message)
  }

  const start = (message: ReceivedMessage) => {
    const work: Work = { message, done: Promise.resolve(), abandoned: false }
    work.done = handle(work)
      .catch((error: unknown) =>
        log.error({ err: error, message_id: message.messageId }, 'message handling failed'),
      )
      .finally(() => {
        working.delete(message.receiptHandle)
        options.onInFlight?.(working.size)
        pool.give(1)
      })
    working.set(message.receiptHandle, work)
    options.onInFlight?.(working.size)
  }

  const receiveFailed = (error: unknown, streak: number) => {
    if (signal.aborted) return
    if (options.isFatal?.(error)) {
      log.error({ err: error }, 'receive failed; stopping')
      fatal = { error }
      failure.abort()
      return
    }
    const retryInMs = backoffMs(streak, RETRY_BASE_MS, RETRY_MAX_MS)
    log.warn({ err: error, retry_in_ms: retryInMs }, 'receive failed')
  }

  const receiveLoop = async () => {
    let empty = 0
    let errors = 0
    while (!signal.aborted) {
      await options.beforeReceive?.(signal)
      if (!(await pool.take(batch, signal))) break
      const began = Date.now()
      let messages: ReceivedMessage[] = []
      try {
        messages = await queue.receive({
          maxMessages: batch,
          waitSeconds,
          ...(visibilityTimeout === undefined ? {} : { visibilityTimeout }),
          signal,
        })
        errors = 0
      } catch (error) {
        receiveFailed(error, ++errors)
      } finally {
        pool.give(batch - messages.length)
      }
      options.onReceive?.(messages.length)
      if (messages.length > 0) log.debug({ count: messages.length }, 'messages received')
      for (const message of messages) start(message)
      empty = messages.length > 0 ? 0 : empty + 1
      // A long poll that waited its full time needs no further pause; a quick empty answer does.
      const idleMs = backoffMs(empty, IDLE_BASE_MS, IDLE_MAX_MS) - (Date.now() - began)
      await pause(Math.max(idleMs, backoffMs(errors, RETRY_BASE_MS, RETRY_MAX_MS)), signal)
    }
  }

  const drain = async () => {
    const all = Promise.all([...working.values()].map((w) => w.done))
    const timeoutMs = options.drainTimeoutMs
    if (timeoutMs === undefined) return void (await all)
    const timer = new AbortController()
    const finished = await Promise.race([all.then(() => true), pause(timeoutMs, timer.signal)])
    timer.abort()
    if (finished === true || working.size === 0) return
    log.warn({ in_flight: working.size }, 'drain timed out; releasing what is still in flight')
    const left = [...working.values()]
    for (const work of left) work.abandoned = true
    await Promise.all(left.map((work) => release(work.message, 0)))
  }

  log.info({ queue: queue.url, concurrency, receivers, batch }, 'consumer started')
  const stopping = () => log.info({ in_flight: working.size }, 'receiving stopped; draining')
  signal.addEventListener('abort', stopping, { once: true })
  await Promise.all(Array.from({ length: receivers }, receiveLoop))
  await drain()
  await deleter.flush()
  log.info({}, 'consumer drained')
  if (fatal) throw fatal.error
}
