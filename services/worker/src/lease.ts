import type { Queue, ReceivedMessage } from '@ferry/cloud'
import type { Log } from './log.ts'
import type { WorkerMetrics } from './metrics.ts'

export interface LeaseOptions {
  queue: Queue
  log: Log
  metrics: WorkerMetrics
  /** The visibility timeout the message was received with, in seconds. */
  visibilityTimeout: number
}

/**
 * Keeps `message` invisible while work on it runs: every half visibility timeout it extends the
 * lease to a full timeout from now, so a slow write is not handed to another receiver. Returns
 * the function that stops the heartbeat; a heartbeat still in the air after that is ignored.
 */
export function holdLease(message: ReceivedMessage, options: LeaseOptions): () => void {
  const { queue, log, metrics, visibilityTimeout } = options
  let held = true
  const beat = () => {
    metrics.visibilityRequests.inc()
    queue.changeVisibility(message.receiptHandle, visibilityTimeout).then(
      () => log.debug({ message_id: message.messageId }, 'lease extended'),
      (error: unknown) => {
        if (held) log.warn({ err: error, message_id: message.messageId }, 'lease extension failed')
      },
    )
  }
  const timer = setInterval(beat, (visibilityTimeout * 1000) / 2)
  return () => {
    held = false
    clearInterval(timer)
  }
}
