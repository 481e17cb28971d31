import { CloudError } from '../errors.ts'

/** What waits in a source queue's dead-letter queue. */
export interface DeadLetterStats {
  /** Messages waiting to be looked at or redriven (SQS ApproximateNumberOfMessages). */
  depth: number
  /** Messages someone received from the dead-letter queue and has not yet returned. */
  inFlight: number
  /**
   * When the oldest waiting message was first sent to the source queue; undefined when none waits.
   * Exact on the local driver; on SQS the oldest of a sample of up to 10 (see `stats`).
   */
  oldestSentAt: Date | undefined
}

/** One dead letter as `peek` shows it; the dead-letter queue keeps it. */
export interface DeadLetter {
  messageId: string
  body: string
  attributes: Record<string, string>
  /** Receives so far: those on the source queue that failed, plus (on SQS) every peek. */
  receiveCount: number
  /** When it was first sent to the source queue. */
  sentAt: Date
}

export interface RedriveResult {
  /**
   * RUNNING: SQS moves the messages in the background (follow it with `redriveStatus`).
   * COMPLETED: the call moved them itself before it returned.
   */
  status: 'RUNNING' | 'COMPLETED'
  /** Ids of the messages this call moved (empty while a background task moves them). */
  moved: string[]
  /** Selected ids that are not waiting in the dead-letter queue (moved already, or never there). */
  notFound: string[]
  /** Selected messages the source queue refused; they stay in the dead-letter queue. */
  failed: { messageId: string; message: string }[]
}

export type RedriveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED'

/** The latest redrive of all messages (SQS ListMessageMoveTasks). */
export interface RedriveStatus {
  status: RedriveTaskStatus
  moved: number
  /** How many the task set out to move; undefined when SQS does not say. */
  toMove: number | undefined
  startedAt: Date
  failureReason?: string
}

/**
 * The dead-letter queue of one source queue, for operators: how much waits there, what it is,
 * and sending it back. A redriven message is received afresh: its receive count starts over.
 * Every method throws only `CloudError` (NotFound when the source queue has no dead-letter queue).
 */
export interface DeadLetters {
  /** The source queue's URL, for logs. */
  readonly source: string

  /**
   * Depth and the age of the oldest message. SQS: the depth is SQS's approximate count; the
   * oldest is the earliest sent of a sample of up to 10 received with a zero visibility timeout
   * (each counts as a receive on the dead-letter queue). Local: exact.
   */
  stats(): Promise<DeadLetterStats>

  /**
   * Up to `max` (1–100, default 10) waiting messages, which stay in the dead-letter queue.
   * SQS has no true peek: they are received with a 20 s visibility timeout and made visible
   * again before this returns, so each peek counts as one more receive on the dead-letter queue,
   * and other receivers cannot see them meanwhile. Local: the files are read, not touched.
   */
  peek(options?: { max?: number }): Promise<DeadLetter[]>

  /**
   * Sends messages back to the source queue. Without `messageIds`, all of them: SQS starts a
   * message move task from the dead-letter queue to the source (StartMessageMoveTask, status
   * RUNNING; one task at a time); the local driver moves each file back (COMPLETED). With
   * `messageIds`, those: each is received, sent to the source with its body and attributes, and
   * deleted from the dead-letter queue only once the send succeeded (on SQS it gets a new id).
   */
  redrive(options?: { messageIds?: string[] }): Promise<RedriveResult>

  /** The latest redrive of all messages, or undefined when there has been none. */
  redriveStatus(): Promise<RedriveStatus | undefined>

  close(): Promise<void>
}

export const PEEK_MAX = 100

/** The `max` of a peek; InvalidArgument unless a whole number from 1 to PEEK_MAX. */
export function peekMax(max: number | undefined): number {
  const value = max ?? 10
  if (!Number.isInteger(value) || value < 1 || value > PEEK_MAX) {
    throw new CloudError(
      'InvalidArgument',
      `max must be a whole number from 1 to ${PEEK_MAX}, not ${value}`,
    )
  }
  return value
}
