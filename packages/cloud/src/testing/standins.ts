/**
 * Fast in-process stand-ins for the ports, so that a benchmark (or a test that needs no storage)
 * measures the service. Each passes its port's contract suite, but for what it says it leaves out.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import { CloudError } from '../errors.ts'
import type { ObjectInfo, ObjectStore } from '../objects/store.ts'
import type { Queue } from '../queue/queue.ts'
import { cacheSecret, type Secret } from '../secrets/secret.ts'
import { toNotification } from '../topic/local.ts'
import type { Topic } from '../topic/topic.ts'

export { type MemoryQueue, type MemoryQueueOptions, memoryQueue } from './memory-queue.ts'

async function bytesOf(body: Buffer | string | Readable): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body)
  if (Buffer.isBuffer(body)) return body
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

/**
 * A bucket in memory that keeps what `head` answers, not the bodies: puts (conditional ones
 * too) and heads work, every other method throws InvalidArgument. Each put takes `latencyMs`, as
 * a round trip to S3 would.
 */
export function memoryStore(latencyMs = 0): ObjectStore {
  const objects = new Map<string, ObjectInfo>()
  const unsupported = () => Promise.reject(new CloudError('InvalidArgument', 'not in the stand-in'))
  return {
    name: 'memory',
    async put(key, body, options = {}) {
      const bytes = await bytesOf(body)
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs))
      const current = objects.get(key)
      if (options.ifNoneMatch === '*' && current) {
        throw new CloudError('PreconditionFailed', `${key} exists`)
      }
      if (options.ifMatch !== undefined) {
        if (!current) throw new CloudError('NotFound', `${key} does not exist`)
        if (current.etag !== options.ifMatch) {
          throw new CloudError('PreconditionFailed', `${key} has another etag`)
        }
      }
      const etag = `"${createHash('md5').update(bytes).digest('hex')}"`
      const metadata = Object.fromEntries(
        Object.entries(options.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      )
      const { contentType } = options
      objects.set(key, {
        key,
        size: bytes.length,
        etag,
        lastModified: new Date(),
        ...(contentType === undefined ? {} : { contentType }),
        metadata,
      })
      return { etag }
    },
    async head(key) {
      const info = objects.get(key)
      return info && { ...info, metadata: { ...info.metadata } }
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

/**
 * A topic in memory: each publish goes to every queue in `subscribers` as the SNS notification
 * an SQS subscriber gets; with none, it is accepted and dropped.
 */
export function memoryTopic(subscribers: Queue[] = []): Topic {
  const arn = 'memory://topic'
  return {
    arn,
    async publish(input) {
      const messageId = randomUUID()
      if (subscribers.length === 0) return { messageId }
      const body = JSON.stringify(toNotification(arn, messageId, input))
      for (const queue of subscribers) await queue.send([{ id: '0', body }])
      return { messageId }
    },
    async ping() {},
    async close() {},
  }
}

/** A secret holding `value`, behind the SSM driver's TTL cache; `onRead` sees each uncached read. */
export function memorySecret(value: string, ttlSeconds: number, onRead = () => {}): Secret {
  return cacheSecret(
    'memory',
    async () => {
      onRead()
      return value
    },
    { ttlSeconds },
  )
}
