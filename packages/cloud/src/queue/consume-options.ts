import type { ReceivedMessage } from './queue.ts'

type LogFn = (fields: Record<string, unknown>, message: string) => void

/** The part of a pino logger `consume` uses. */
export interface ConsumeLog {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

export interface HandlerContext {
  /** The consumer's signal: aborts when it stops receiving. Work in hand should still finish. */
  signal: AbortSignal
}

/**
 * Handles one message. Resolving means it is done: the message is deleted (batched). Throwing
 * leaves it on the queue: it comes back after its visibility timeout and, after the queue's
 * maxReceiveCount receives, moves to the dead-letter queue. It must tolerate redelivery.
 */
export type MessageHandler = (message: ReceivedMessage, context: HandlerContext) => Promise<void>

/** Counts for metrics; each is optional and must not throw. */
export interface ConsumeHooks {
  /** After each receive request, with the messages it brought (0 when it failed). */
  onReceive?(count: number): void
  /** After each delete request, with how many it deleted and how many the queue refused. */
  onDelete?(deleted: number, failed: number): void
  /** Before each visibility change: a heartbeat, or a release that makes a message visible early. */
  onVisibility?(kind: 'heartbeat' | 'release'): void
  /** When the number of messages being handled changes. */
  onInFlight?(count: number): void
}

export interface ConsumeOptions extends ConsumeHooks {
  /** Aborting stops receiving; `consume` then drains, flushes its deletes and resolves. */
  signal: AbortSignal
  /** Messages being handled at most (the pool). Default 10. */
  concurrency?: number
  /** Messages per receive at most, 1–10. Default 10. */
  batchSize?: number
  /** Long-poll wait of one receive, in seconds (0–20). Default 20. */
  waitSeconds?: number
  /**
   * The lease a message is received with, in seconds; while its handler runs it is extended to
   * this again every `heartbeatSeconds`. Default: the queue's own, and no heartbeats.
   */
  visibilityTimeout?: number
  /** Seconds between heartbeats. Default half the visibility timeout. */
  heartbeatSeconds?: number
  /** How long a partial delete batch waits for company, in ms. Default 0 (the next tick). */
  deleteLingerMs?: number
  /**
   * How long a stop waits for running handlers, in ms; those still running then are made visible
   * again and never deleted. Default: no limit.
   */
  drainTimeoutMs?: number
  /**
   * Awaited before each receive: receiving pauses until it resolves (a store outage, a backoff).
   * It should resolve soon after `signal` aborts.
   */
  beforeReceive?: (signal: AbortSignal) => Promise<void>
  /**
   * Told when the handler threw (the message stays on the queue). It may return the seconds after
   * which the message is visible again (0 = now) instead of its visibility timeout. Default: logs
   * the error at warn.
   */
  onError?: (error: unknown, message: ReceivedMessage) => number | undefined
  /**
   * A receive error this returns true for ends `consume`, which drains and rejects with it.
   * Default: every receive error is logged and retried with a backoff.
   */
  isFatal?: (error: unknown) => boolean
  log?: ConsumeLog
}
