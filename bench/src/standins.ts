// Fast in-process stand-ins for SQS, S3 and SSM: the service is what a benchmark measures. Each
// counts its calls, which are the AWS requests the real driver would have made.
import { createHash, randomUUID } from 'node:crypto'
import type {
  ObjectInfo,
  ObjectStore,
  OutgoingMessage,
  Queue,
  ReceivedMessage,
  Secret,
} from '@ferry/cloud'
import { CloudError } from '@ferry/cloud'

export interface Counted {
  calls: Record<string, number>
}

function count(target: Counted, name: string) {
  target.calls[name] = (target.calls[name] ?? 0) + 1
}

export interface MemoryQueue extends Queue, Counted {
  /** Puts messages on the queue without counting them as requests. */
  seed(bodies: string[]): void
}

/** `retain: false` drops what is sent (only counts it), for a producer-only benchmark. */
export function memoryQueue(options: { retain?: boolean } = {}): MemoryQueue {
  const retain = options.retain ?? true
  const ready: { messageId: string; body: string; receives: number }[] = []
  const leased = new Map<string, { messageId: string; body: string; receives: number }>()
  const waiting: (() => void)[] = []
  const wake = () => {
    for (const w of waiting.splice(0)) w()
  }
  const queue: MemoryQueue = {
    url: 'memory://queue',
    calls: {},
    seed(bodies) {
      for (const body of bodies) ready.push({ messageId: randomUUID(), body, receives: 0 })
      wake()
    },
    async send(messages: OutgoingMessage[]) {
      count(queue, 'SendMessageBatch')
      const successful = messages.map((m) => {
        const messageId = randomUUID()
        if (retain) ready.push({ messageId, body: m.body, receives: 0 })
        return { id: m.id, messageId }
      })
      wake()
      return { successful, failed: [] }
    },
    async receive(options = {}) {
      count(queue, 'ReceiveMessage')
      const max = options.maxMessages ?? 10
      if (ready.length === 0 && (options.waitSeconds ?? 0) > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, (options.waitSeconds ?? 0) * 1000)
          waiting.push(() => {
            clearTimeout(timer)
            resolve()
          })
          options.signal?.addEventListener('abort', () => resolve(), { once: true })
        })
      }
      return ready.splice(0, max).map((m): ReceivedMessage => {
        m.receives++
        const receiptHandle = randomUUID()
        leased.set(receiptHandle, m)
        return {
          messageId: m.messageId,
          receiptHandle,
          body: m.body,
          attributes: {},
          receiveCount: m.receives,
          sentAt: new Date(),
        }
      })
    },
    async delete(handles) {
      count(queue, 'DeleteMessageBatch')
      for (const h of handles) leased.delete(h)
      return { failed: [] }
    },
    async changeVisibility(handle) {
      count(queue, 'ChangeMessageVisibility')
      const m = leased.get(handle)
      if (m) {
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
  return queue
}

/** An in-memory bucket; each PutObject takes `latencyMs`, as a round trip to S3 would. */
export function memoryStore(latencyMs = 0): ObjectStore & Counted & { size(): number } {
  const objects = new Map<string, { body: Buffer; info: ObjectInfo }>()
  const unsupported = () => Promise.reject(new CloudError('InvalidArgument', 'not in the stand-in'))
  const store = {
    name: 'memory',
    calls: {} as Record<string, number>,
    size: () => objects.size,
    async put(
      key: string,
      body: unknown,
      options: { ifNoneMatch?: '*'; contentType?: string } = {},
    ) {
      count(store, 'PutObject')
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs))
      if (options.ifNoneMatch === '*' && objects.has(key)) {
        throw new CloudError('PreconditionFailed', `${key} exists`)
      }
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(String(body))
      const etag = `"${createHash('md5').update(bytes).digest('hex')}"`
      objects.set(key, {
        body: bytes,
        info: {
          key,
          size: bytes.length,
          etag,
          lastModified: new Date(),
          contentType: options.contentType,
          metadata: {},
        },
      })
      return { etag }
    },
    async head(key: string) {
      count(store, 'HeadObject')
      return objects.get(key)?.info
    },
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
  return store as unknown as ObjectStore & Counted & { size(): number }
}

export function fixedSecret(value: string): Secret {
  return { name: 'memory', get: async () => value, invalidate() {}, close: async () => {} }
}
