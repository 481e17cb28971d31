import type { ConsumeLog } from './consume-options.ts'
import type { Queue, ReceivedMessage } from './queue.ts'

export interface LeaseOptions {
  queue: Queue
  log: ConsumeLog
  /** Each heartbeat makes the message invisible for this many seconds from then. */
  visibilityTimeout: number
  /** Seconds between heartbeats; shorter than `visibilityTimeout`. */
  intervalSeconds: number
  /** Told of each heartbeat request. */
  onBeat?: () => void
}

/**
 * Keeps `message` invisible while its handler runs: every `intervalSeconds` it extends the lease
 * to a full visibility timeout from now, so slow work is not handed to another receiver. Returns
 * the function that stops the heartbeat; a heartbeat still in the air after that is ignored.
 */
export function holdLease(message: ReceivedMessage, options: LeaseOptions): () => void {
  const { queue, log, visibilityTimeout } = options
  let held = true
  const beat = () => {
    options.onBeat?.()
    queue.changeVisibility(message.receiptHandle, visibilityTimeout).then(
      () => log.debug({ message_id: message.messageId }, 'lease extended'),
      (error: unknown) => {
        if (held) log.warn({ err: error, message_id: message.messageId }, 'lease extension failed')
      },
    )
  }
  const timer = setInterval(beat, options.intervalSeconds * 1000)
  return () => {
    held = false
    clearInterval(timer)
  }
}
