/** A message to send. `id` is the caller's id of the entry inside one batch (SQS `Id`). */
export interface OutgoingMessage {
  id: string
  body: string
  attributes?: Record<string, string>
  /** FIFO queues only. */
  groupId?: string
  deduplicationId?: string
  delaySeconds?: number
}

export interface SendResult {
  successful: { id: string; messageId: string }[]
  /** Entries the queue refused; `transient` says a retry of that entry may succeed. */
  failed: { id: string; code: string; message: string; transient: boolean }[]
}

export interface ReceivedMessage {
  messageId: string
  /** Opaque; valid for delete/changeVisibility until the message is received again. */
  receiptHandle: string
  body: string
  attributes: Record<string, string>
  /** How many times it has been received, this time included (SQS ApproximateReceiveCount). */
  receiveCount: number
  /** When it was first sent (SQS SentTimestamp). */
  sentAt: Date
}

export interface ReceiveOptions {
  /** 1–10, default 10. */
  maxMessages?: number
  /** Long poll: wait up to this many seconds (0–20) for a message. Default 20. */
  waitSeconds?: number
  /** Seconds the received messages stay invisible to other receivers. Default: the queue's. */
  visibilityTimeout?: number
  /** Aborting ends the wait early with what was received so far (usually nothing). */
  signal?: AbortSignal
}

export interface QueueDepth {
  /** Messages ready to be received. */
  visible: number
  /** Messages received and not yet deleted nor returned. */
  inFlight: number
}

/**
 * One queue (SQS, or a directory shared by processes on one machine). Delivery is at least once:
 * a received message that is not deleted comes back after its visibility timeout, and after
 * `maxReceiveCount` receives it moves to the dead-letter queue. Every method throws only
 * `CloudError`.
 */
export interface Queue {
  /** The queue URL, for logs. */
  readonly url: string

  /** Sends 1–10 messages in one call (and ≤ 1 MiB in total). Per-entry failures are reported, not thrown. */
  send(messages: OutgoingMessage[]): Promise<SendResult>

  /** Receives up to `maxMessages`, long-polling up to `waitSeconds`. May return an empty array. */
  receive(options?: ReceiveOptions): Promise<ReceivedMessage[]>

  /** Deletes 1–10 received messages by receipt handle. Per-entry failures are reported, not thrown. */
  delete(
    receiptHandles: string[],
  ): Promise<{ failed: { receiptHandle: string; message: string }[] }>

  /** Makes a received message visible again after `seconds` (0 = now). Keeps its receipt handle valid. */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>

  /** Approximate counts (SQS attributes are eventually consistent). */
  depth(): Promise<QueueDepth>

  /** Cheap reachability check for readiness probes. Throws CloudError if unreachable. */
  ping(): Promise<void>

  close(): Promise<void>
}
