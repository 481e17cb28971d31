import { randomUUID } from 'node:crypto'
import { CloudError } from '../errors.ts'
import { checkBatch } from '../queue/local/driver.ts'
import type { Queue, ReceivedMessage } from '../queue/queue.ts'

interface Stored {
  messageId: string
  body: string
  attributes: Record<string, string>
  sentAt: Date
  receives: number
  /** ms since the epoch from which it may be received (delay, or the end of its lease). */
  visibleAt: number
  /** The handle of its current lease, if it was received. */
  handle?: string
}

export interface MemoryQueueOptions {
  /** `false` keeps nothing that is sent: a producer-only benchmark's RSS stays the service's. */
  retain?: boolean
  /** Seconds a received message stays invisible; default 30. */
  visibilityTimeout?: number
  /** Receives after which a message moves to `deadLetter` (dropped without one). Unset: never. */
  maxReceiveCount?: number
  deadLetter?: Queue
}

export interface MemoryQueue extends Queue {
  /** Puts messages on the queue (not a request of the service under test). */
  seed(bodies: string[]): void
}

/**
 * A queue in this process with SQS's semantics (batch limits, leases that expire, delays, the
 * receive count and a dead-letter queue), fast enough that a benchmark measures the service.
 * Messages are kept in send order; a receive scans past the leased and delayed ones.
 */
export function memoryQueue(options: MemoryQueueOptions = {}): MemoryQueue {
  const retain = options.retain ?? true
  const visibility = options.visibilityTimeout ?? 30
  const messages = new Map<string, Stored>()
  const leases = new Map<string, Stored>()
  const waiting = new Set<() => void>()
  const wake = () => {
    for (const w of waiting) w()
    waiting.clear()
  }
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        waiting.delete(done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      waiting.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })

  const store = (body: string, attributes: Record<string, string>, delaySeconds = 0) => {
    const messageId = randomUUID()
    const visibleAt = Date.now() + delaySeconds * 1000
    if (retain) {
      messages.set(messageId, {
        messageId,
        body,
        attributes,
        sentAt: new Date(),
        receives: 0,
        visibleAt,
      })
    }
    return messageId
  }

  const lease = (m: Stored, seconds: number): ReceivedMessage => {
    if (m.handle) leases.delete(m.handle)
    m.receives++
    m.handle = randomUUID()
    m.visibleAt = Date.now() + seconds * 1000
    leases.set(m.handle, m)
    const { messageId, body, attributes, sentAt, receives } = m
    return {
      messageId,
      receiptHandle: m.handle,
      body,
      attributes: { ...attributes },
      receiveCount: receives,
      sentAt,
    }
  }

  const forget = (m: Stored) => {
    messages.delete(m.messageId)
    if (m.handle) leases.delete(m.handle)
  }

  /** Leases up to `max` visible messages; moves those received too often to the dead letters. */
  const take = async (max: number, seconds: number) => {
    const now = Date.now()
    const taken: ReceivedMessage[] = []
    const dead: Stored[] = []
    for (const m of messages.values()) {
      if (taken.length === max) break
      if (m.visibleAt > now) continue
      if (options.maxReceiveCount !== undefined && m.receives >= options.maxReceiveCount) {
        dead.push(m)
        continue
      }
      taken.push(lease(m, seconds))
    }
    for (const m of dead) {
      forget(m)
      await options.deadLetter?.send([{ id: m.messageId, body: m.body, attributes: m.attributes }])
    }
    return taken
  }

  /** ms until the next delayed or leased message becomes visible (at most `cap`). */
  const untilNextVisible = (cap: number) => {
    const now = Date.now()
    let next = cap
    for (const m of messages.values())
      if (m.visibleAt > now) next = Math.min(next, m.visibleAt - now)
    return next
  }

  let closed = false
  return {
    url: 'memory://queue',
    seed(bodies) {
      for (const body of bodies) store(body, {})
      wake()
    },
    async send(batch) {
      checkBatch(batch)
      const successful = batch.map((m) => ({
        id: m.id,
        messageId: store(m.body, m.attributes ?? {}, m.delaySeconds),
      }))
      wake()
      return { successful, failed: [] }
    },
    async receive(receive = {}) {
      const deadline = Date.now() + (receive.waitSeconds ?? 20) * 1000
      for (;;) {
        const taken = await take(receive.maxMessages ?? 10, receive.visibilityTimeout ?? visibility)
        const left = deadline - Date.now()
        if (taken.length > 0 || left <= 0 || closed || receive.signal?.aborted) return taken
        await sleep(untilNextVisible(left), receive.signal)
      }
    },
    async delete(handles) {
      const failed: { receiptHandle: string; message: string }[] = []
      for (const receiptHandle of handles) {
        const m = leases.get(receiptHandle)
        if (m) forget(m)
        else failed.push({ receiptHandle, message: 'receipt handle is not valid' })
      }
      return { failed }
    },
    async changeVisibility(handle, seconds) {
      const m = leases.get(handle)
      if (!m) throw new CloudError('InvalidArgument', 'receipt handle is not valid')
      m.visibleAt = Date.now() + seconds * 1000
      if (seconds === 0) wake()
    },
    async depth() {
      const now = Date.now()
      let visible = 0
      for (const m of messages.values()) if (m.visibleAt <= now) visible++
      let inFlight = 0
      for (const m of leases.values()) if (m.visibleAt > now) inFlight++
      return { visible, inFlight }
    },
    async ping() {},
    async close() {
      closed = true
      wake()
    },
  }
}
