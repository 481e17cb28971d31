/** The wire shapes of the worker's dead-letter operator API (snake_case), and the mapping to them. */
import type { DeadLetter, DeadLetterStats, RedriveResult, RedriveStatus } from '@ferry/cloud'
import { PEEK_MAX } from '@ferry/cloud'
import { type Static, Type } from '@sinclair/typebox'

const Timestamp = Type.String({ format: 'date-time' })

export const DlqStats = Type.Object({
  queue: Type.String({ description: 'The source queue (its URL)' }),
  depth: Type.Integer({ description: 'Messages waiting in the dead-letter queue' }),
  in_flight: Type.Integer({ description: 'Received from the dead-letter queue, not yet back' }),
  oldest_sent_at: Type.Union([Timestamp, Type.Null()], {
    description: 'First send of the oldest waiting message (SQS: the oldest of a sample of 10)',
  }),
  oldest_age_seconds: Type.Union([Type.Integer(), Type.Null()]),
})
export type DlqStats = Static<typeof DlqStats>

export const DlqMessagesQuery = Type.Object({
  max: Type.Integer({ minimum: 1, maximum: PEEK_MAX, default: 10 }),
})
export type DlqMessagesQuery = Static<typeof DlqMessagesQuery>

export const DlqMessage = Type.Object({
  message_id: Type.String(),
  body: Type.String(),
  attributes: Type.Record(Type.String(), Type.String()),
  receive_count: Type.Integer({ description: 'Receives so far; on SQS each peek adds one' }),
  sent_at: Timestamp,
})
export const DlqMessages = Type.Object({ messages: Type.Array(DlqMessage) })
export type DlqMessages = Static<typeof DlqMessages>

export const RedriveRequest = Type.Object(
  {
    message_ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 100, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
)
export type RedriveRequest = Static<typeof RedriveRequest>

export const RedriveOutcome = Type.Object({
  status: Type.Union([Type.Literal('RUNNING'), Type.Literal('COMPLETED')], {
    description: 'RUNNING: SQS moves them in the background (GET /dlq/redrive follows it)',
  }),
  moved: Type.Array(Type.String(), { description: 'Ids moved by this call' }),
  not_found: Type.Array(Type.String()),
  failed: Type.Array(Type.Object({ message_id: Type.String(), message: Type.String() })),
})
export type RedriveOutcome = Static<typeof RedriveOutcome>

export const RedriveProgress = Type.Object({
  status: Type.String({ description: 'RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED' }),
  moved: Type.Integer(),
  to_move: Type.Union([Type.Integer(), Type.Null()]),
  started_at: Timestamp,
  failure_reason: Type.Optional(Type.String()),
})
export type RedriveProgress = Static<typeof RedriveProgress>

export function toDlqStats(queue: string, stats: DeadLetterStats, now = Date.now()): DlqStats {
  const oldest = stats.oldestSentAt
  return {
    queue,
    depth: stats.depth,
    in_flight: stats.inFlight,
    oldest_sent_at: oldest ? oldest.toISOString() : null,
    oldest_age_seconds: oldest ? Math.max(0, Math.floor((now - oldest.getTime()) / 1000)) : null,
  }
}

export function toDlqMessages(messages: DeadLetter[]): DlqMessages {
  return {
    messages: messages.map((m) => ({
      message_id: m.messageId,
      body: m.body,
      attributes: m.attributes,
      receive_count: m.receiveCount,
      sent_at: m.sentAt.toISOString(),
    })),
  }
}

export function toRedriveOutcome(result: RedriveResult): RedriveOutcome {
  return {
    status: result.status,
    moved: result.moved,
    not_found: result.notFound,
    failed: result.failed.map((f) => ({ message_id: f.messageId, message: f.message })),
  }
}

export function toRedriveProgress(status: RedriveStatus): RedriveProgress {
  return {
    status: status.status,
    moved: status.moved,
    to_move: status.toMove ?? null,
    started_at: status.startedAt.toISOString(),
    ...(status.failureReason ? { failure_reason: status.failureReason } : {}),
  }
}
