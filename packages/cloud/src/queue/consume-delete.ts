import type { ConsumeLog } from './consume-options.ts'
import type { Queue, ReceivedMessage } from './queue.ts'

/** SQS DeleteMessageBatch takes up to 10 entries. */
const MAX_BATCH = 10

/** Deletes finished messages in batches of up to 10. */
export interface Deleter {
  /** Queues a finished message; sent once 10 are waiting or after the linger. */
  add(message: ReceivedMessage): void
  /** Sends everything queued and waits for every delete in progress. Never rejects. */
  flush(): Promise<void>
}

export interface DeleterOptions {
  queue: Queue
  log: ConsumeLog
  /** How long a partial batch waits for company, in ms. */
  lingerMs: number
  /** Told after each batch request how many were deleted and how many refused. */
  onDelete?: (deleted: number, failed: number) => void
}

/**
 * A failed delete is logged, not retried: the message comes back after its visibility timeout
 * and is handled again, which is why a handler must tolerate redelivery.
 */
export function createDeleter(options: DeleterOptions): Deleter {
  const { queue, log, lingerMs } = options
  let pending: ReceivedMessage[] = []
  let timer: NodeJS.Timeout | undefined
  const sending = new Set<Promise<void>>()

  const failed = (message: ReceivedMessage, reason: string) =>
    log.warn(
      { message_id: message.messageId, reason },
      'delete failed; the message will be redelivered',
    )

  const deleteBatch = async (batch: ReceivedMessage[]) => {
    let refused = batch.length
    try {
      const result = await queue.delete(batch.map((m) => m.receiptHandle))
      const reasons = new Map(result.failed.map((f) => [f.receiptHandle, f.message]))
      refused = 0
      for (const message of batch) {
        const reason = reasons.get(message.receiptHandle)
        if (reason === undefined) continue
        refused++
        failed(message, reason)
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      for (const message of batch) failed(message, reason)
    }
    options.onDelete?.(batch.length - refused, refused)
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
