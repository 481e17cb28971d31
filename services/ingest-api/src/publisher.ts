import { CloudDependency, CloudError, type OutgoingMessage, type Queue } from '@ferry/cloud'

/** SQS limits: 10 entries and 1 MiB (1,048,576 bytes) per SendMessageBatch. */
export const SQS_MAX_ENTRIES = 10
export const SQS_MAX_BATCH_BYTES = 1_048_576

export interface PublisherOptions {
  /** How long a lone message waits for company before its batch is sent. */
  lingerMs: number
  maxEntries?: number
  maxBatchBytes?: number
  /** Told the entries of each SendMessageBatch request as it is made (metrics); must not throw. */
  onSend?: (entries: number) => void
}

export interface PublisherStats {
  /** SendMessageBatch calls made, retries included. */
  requests: number
  published: number
}

/**
 * Coalesces concurrent `publish()` calls into `SendMessageBatch` requests. A batch is sent when it
 * holds `maxEntries` messages, when the next message would push it past `maxBatchBytes`, or when
 * its first message has waited `lingerMs`. Every caller gets its own answer: an entry the queue
 * refused is retried once in the next request, then that caller alone gets the error.
 */
export interface Publisher {
  /**
   * Resolves with the queue's message id once the queue has accepted the message. `attributes`
   * (the caller's trace context) go with this message alone, whichever batch it joins.
   */
  publish(body: string, attributes?: Record<string, string>): Promise<string>
  /** Sends whatever is pending now and waits for every request in flight. */
  flush(): Promise<void>
  stats(): PublisherStats
}

interface Pending {
  body: string
  attributes: Record<string, string>
  bytes: number
  retried: boolean
  resolve(messageId: string): void
  reject(error: Error): void
}

/** A message's size as SQS counts it: the body, and each attribute's name, type and value. */
export function messageBytes(body: string, attributes: Record<string, string>): number {
  let bytes = Buffer.byteLength(body)
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + 'String'.length + Buffer.byteLength(value)
  }
  return bytes
}

export function createPublisher(queue: Queue, options: PublisherOptions): Publisher {
  const maxEntries = options.maxEntries ?? SQS_MAX_ENTRIES
  const maxBatchBytes = options.maxBatchBytes ?? SQS_MAX_BATCH_BYTES
  let batch: Pending[] = []
  let batchBytes = 0
  let timer: NodeJS.Timeout | undefined
  const inFlight = new Set<Promise<void>>()
  const stats: PublisherStats = { requests: 0, published: 0 }

  async function send(entries: Pending[]): Promise<void> {
    stats.requests++
    options.onSend?.(entries.length)
    const messages: OutgoingMessage[] = entries.map((e, i) => ({
      id: String(i),
      body: e.body,
      attributes: e.attributes,
    }))
    let result: Awaited<ReturnType<Queue['send']>>
    try {
      result = await queue.send(messages)
    } catch (error) {
      for (const entry of entries) entry.reject(error as Error)
      return
    }
    for (const ok of result.successful) {
      stats.published++
      entries[Number(ok.id)]?.resolve(ok.messageId)
    }
    for (const failed of result.failed) {
      const entry = entries[Number(failed.id)]
      if (!entry) continue
      if (!entry.retried) {
        entry.retried = true
        enqueue(entry)
      } else {
        const code = failed.transient ? 'Unavailable' : 'InvalidArgument'
        entry.reject(
          new CloudError(code, `queue refused the message: ${failed.code}`, {
            dependency: CloudDependency.queue,
          }),
        )
      }
    }
  }

  function dispatch(): void {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (batch.length === 0) return
    const entries = batch
    batch = []
    batchBytes = 0
    const sending = send(entries).finally(() => inFlight.delete(sending))
    inFlight.add(sending)
  }

  function enqueue(entry: Pending): void {
    if (batch.length > 0 && batchBytes + entry.bytes > maxBatchBytes) dispatch()
    batch.push(entry)
    batchBytes += entry.bytes
    if (batch.length >= maxEntries) dispatch()
    else timer ??= setTimeout(dispatch, options.lingerMs)
  }

  return {
    publish(body, attributes = {}) {
      const bytes = messageBytes(body, attributes)
      return new Promise<string>((resolve, reject) => {
        enqueue({ body, attributes, bytes, retried: false, resolve, reject })
      })
    },
    async flush() {
      dispatch()
      while (inFlight.size > 0) {
        await Promise.all(inFlight)
        dispatch()
      }
    },
    stats: () => ({ ...stats }),
  }
}
