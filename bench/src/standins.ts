// Fast in-process stand-ins for SQS, S3 and SSM, so that a benchmark measures the service. They
// implement the ports in memory; probes.ts counts the calls made to them.
import { createHash, randomUUID } from 'node:crypto'
import {
  CloudError,
  cacheSecret,
  type ObjectInfo,
  type ObjectStore,
  type Queue,
  type ReceivedMessage,
  type Secret,
} from '@ferry/cloud'
import { type Calls, tally } from './probes.ts'

interface Stored {
  messageId: string
  body: string
  receives: number
}

export interface MemoryQueue extends Queue {
  /** Puts messages on the queue (not a request of the service under test). */
  seed(bodies: string[]): void
}

/**
 * A queue in memory with SQS's receive/delete/visibility semantics (no timeouts: a leased message
 * comes back only when released). `retain: false` keeps nothing that is sent, for a producer-only
 * benchmark whose RSS must be the service's, not the queue's.
 */
export function memoryQueue(options: { retain?: boolean } = {}): MemoryQueue {
  const retain = options.retain ?? true
  const ready: Stored[] = []
  const leased = new Map<string, Stored>()
  const waiting = new Set<() => void>()
  const wake = () => {
    for (const w of waiting) w()
    waiting.clear()
  }
  const waitForMessages = (seconds: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        waiting.delete(done)
        resolve()
      }
      const timer = setTimeout(done, seconds * 1000)
      waiting.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  const lease = (m: Stored): ReceivedMessage => {
    m.receives++
    const receiptHandle = randomUUID()
    leased.set(receiptHandle, m)
    const { messageId, body, receives } = m
    return {
      messageId,
      receiptHandle,
      body,
      attributes: {},
      receiveCount: receives,
      sentAt: new Date(),
    }
  }
  return {
    url: 'memory://queue',
    seed(bodies) {
      for (const body of bodies) ready.push({ messageId: randomUUID(), body, receives: 0 })
      wake()
    },
    async send(messages) {
      const successful = messages.map((m) => {
        const messageId = randomUUID()
        if (retain) ready.push({ messageId, body: m.body, receives: 0 })
        return { id: m.id, messageId }
      })
      wake()
      return { successful, failed: [] }
    },
    async receive(options = {}) {
      const wait = options.waitSeconds ?? 20
      if (ready.length === 0 && wait > 0) await waitForMessages(wait, options.signal)
      return ready.splice(0, options.maxMessages ?? 10).map(lease)
    },
    async delete(handles) {
      for (const h of handles) leased.delete(h)
      return { failed: [] }
    },
    async changeVisibility(handle, seconds) {
      const m = leased.get(handle)
      if (m && seconds === 0) {
        leased.delete(handle)
        ready.push(m)
        wake()
      }
    },
    async depth() {
      return { visible: ready.length, inFlight: leased.size }
    },
    async ping() {},
    async close() {
      wake()
    },
  }
}

/**
 * A bucket in memory that supports what the worker does (conditional put, head) and keeps each
 * object's metadata, not its body. Each put takes `latencyMs`, as a round trip to S3 would.
 */
export function memoryStore(latencyMs = 0): ObjectStore {
  const objects = new Map<string, ObjectInfo>()
  const unsupported = () => Promise.reject(new CloudError('InvalidArgument', 'not in the stand-in'))
  return {
    name: 'memory',
    async put(key, body, options = {}) {
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs))
      if (options.ifNoneMatch === '*' && objects.has(key)) {
        throw new CloudError('PreconditionFailed', `${key} exists`)
      }
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(String(body))
      const etag = `"${createHash('md5').update(bytes).digest('hex')}"`
      const { contentType } = options
      const lastModified = new Date()
      objects.set(key, { key, size: bytes.length, etag, lastModified, contentType, metadata: {} })
      return { etag }
    },
    async head(key) {
      return objects.get(key)
    },
    upload: unsupported,
    get: unsupported,
    getBuffer: unsupported,
    list: unsupported,
    delete: unsupported,
    copy: unsupported,
    presignGet: unsupported,
    presignPost: unsupported,
    async ping() {},
    async close() {},
  }
}

/** The token parameter, behind the same TTL cache as the SSM driver; counts GetParameter. */
export function memorySecret(value: string, ttlSeconds: number, calls: Calls): Secret {
  return cacheSecret(
    'memory',
    async () => {
      tally(calls, 'GetParameter')
      return value
    },
    { ttlSeconds },
  )
}
