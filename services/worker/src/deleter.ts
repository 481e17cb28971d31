import type { Queue, ReceivedMessage } from '@ferry/cloud'
import type { Log } from './log.ts'
import type { WorkerMetrics } from './metrics.ts'

const MAX_BATCH = 10

/** Deletes finished messages in DeleteMessageBatch calls of up to 10. */
export interface Deleter {
  /** Queues a message whose object exists; sent once 10 are waiting or after the linger. */
  add(message: ReceivedMessage): void
  /** Sends everything queued and waits for every delete in progress. Never rejects. */
  flush(): Promise<void>
}

export interface DeleterOptions {
  queue: Queue
  log: Log
  metrics: WorkerMetrics
  /** How long a partial batch waits for company, in ms. */
  lingerMs: number
}

/**
 * A failed delete is logged and counted, not retried: the message comes back after its
 * visibility timeout and the conditional write turns it into a duplicate that is deleted then.
 */
export function createDeleter(options: DeleterOptions): Deleter {
  const { queue, log, metrics, lingerMs } = options
  let pending: ReceivedMessage[] = []
  let timer: NodeJS.Timeout | undefined
  const sending = new Set<Promise<void>>()

  const failed = (message: ReceivedMessage, reason: string) => {
    metrics.deleteFailed.inc()
    log.warn(
      { message_id: message.messageId, reason },
      'delete failed; the message will be redelivered',
    )
  }

  const deleteBatch = async (batch: ReceivedMessage[]) => {
    metrics.deleteRequests.inc()
    try {
      const result = await queue.delete(batch.map((m) => m.receiptHandle))
      const reasons = new Map(result.failed.map((f) => [f.receiptHandle, f.message]))
      for (const message of batch) {
        const reason = reasons.get(message.receiptHandle)
        if (reason === undefined) metrics.deleted.inc()
        else failed(message, reason)
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      for (const message of batch) failed(message, reason)
    }
  }

  const send = () => {
    clearTimeout(timer)
    timer = undefined
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH)
      pending = pending.slice(MAX_BATCH)
      const promise = deleteBatch(batch).finally(() => sending.delete(promise))
      sending.add(promise)
    }
  }

  return {
    add(message) {
      pending.push(message)
      if (pending.length >= MAX_BATCH) send()
      else timer ??= setTimeout(send, lingerMs)
    },
    async flush() {
      send()
      await Promise.all(sending)
    },
  }
}
