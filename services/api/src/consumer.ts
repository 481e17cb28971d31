import { consume, isCloudError, type Queue, type ReceivedMessage } from '@ferry/cloud'
import { disabledTracing, type Loop, type ServiceApp, SpanKind, type Tracing } from '@ferry/kit'
import { Value } from '@sinclair/typebox/value'
import { type Documents, documentKey } from './documents.ts'
import { ExportMessage } from './exports.ts'
import type { EventMetrics } from './metrics.ts'
import { KIND_NAMES } from './users/kinds.ts'

export interface ConsumerOptions {
  queue: Queue
  documents: Documents
  log: ServiceApp['log']
  metrics: EventMetrics
  /** Long-poll wait per receive, default 20 s. */
  waitSeconds?: number
  /** A consumer span per message (see handleMessage); default: none. */
  tracing?: Tracing
}

/** What a message on the events queue turned out to be. */
export type QueueEvent =
  | { type: 'export'; message: ExportMessage }
  | {
      type: 'notification'
      id: string
      subject: string | undefined
      topic: string | undefined
      /** The message attributes the publisher set (SNS puts them in the envelope). */
      attributes: Record<string, string>
    }
  | { type: 'unknown'; reason: string }

/**
 * The string attributes of an SNS envelope: with raw message delivery off (as ferry subscribes
 * its queue, on SNS and on the local topic alike), SNS puts the publisher's attributes in the
 * body as `{name: {Type, Value}}`, not in the SQS message's own attributes.
 */
function envelopeAttributes(value: unknown): Record<string, string> {
  const attributes: Record<string, string> = {}
  if (typeof value !== 'object' || value === null) return attributes
  for (const [name, attribute] of Object.entries(value)) {
    const text = (attribute as { Value?: unknown } | null)?.Value
    if (typeof text === 'string') attributes[name] = text
  }
  return attributes
}

/** Classifies a message body; never throws and never echoes the body. */
export function parseEvent(body: string): QueueEvent {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return { type: 'unknown', reason: 'body is not JSON' }
  }
  if (Value.Check(ExportMessage, value)) return { type: 'export', message: value }
  const sns = value as Record<string, unknown> | null
  if (sns?.Type === 'Notification' && typeof sns.MessageId === 'string') {
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined)
    return {
      type: 'notification',
      id: sns.MessageId,
      subject: text(sns.Subject),
      topic: text(sns.TopicArn),
      attributes: envelopeAttributes(sns.MessageAttributes),
    }
  }
  return { type: 'unknown', reason: 'neither an export nor an SNS notification' }
}

/**
 * Writes an export's snapshot(s) to `users/{kind}/{user_id}.json`. For `all`, a kind the user
 * has no record of has its stale snapshot removed, so the bucket mirrors the export.
 */
export async function writeExport(
  documents: Documents,
  message: ExportMessage,
  exportedAt: Date,
): Promise<void> {
  if (message.data_type !== 'all') {
    await documents.writeSnapshot(
      documentKey(message.data_type, message.user_id),
      message.data,
      exportedAt,
    )
    return
  }
  const { data } = message
  for (const kind of KIND_NAMES) {
    const key = documentKey(kind, message.user_id)
    const record = data[kind]
    if (record === null) await documents.removeSnapshot(key, exportedAt)
    else await documents.writeSnapshot(key, record, exportedAt)
  }
}

/**
 * Handles one message: exports are done once written, notifications once logged. It throws (after
 * logging why) on unknown messages and failures, so the queue redelivers them and its redrive
 * policy moves what never succeeds to the dead-letter queue. It runs in a consumer span that
 * continues the trace of the request that sent the message: an export's traceparent is in the
 * message's attributes, a notification's in its SNS envelope.
 */
export function handleMessage(options: ConsumerOptions, message: ReceivedMessage): Promise<void> {
  const event = parseEvent(message.body)
  const tracing = options.tracing ?? disabledTracing()
  return tracing.inSpan(
    `process ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      carrier: event.type === 'notification' ? event.attributes : message.attributes,
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.message.id': message.messageId,
        'ferry.receive_count': message.receiveCount,
      },
    },
    () => handleEvent(options, message, event),
  )
}

async function handleEvent(
  options: ConsumerOptions,
  message: ReceivedMessage,
  event: QueueEvent,
): Promise<void> {
  const { metrics } = options
  const lag = (Date.now() - message.sentAt.getTime()) / 1000
  metrics.lag.observe(lag)
  metrics.lastLag.set(lag)
  const log = options.log.child({ message_id: message.messageId })
  if (event.type === 'unknown') {
    metrics.failed.unknown.inc()
    log.warn(
      { reason: event.reason, receive_count: message.receiveCount },
      'unrecognised message left on the queue for its dead-letter queue',
    )
    throw new Error(`unrecognised message: ${event.reason}`)
  }
  if (event.type === 'notification') {
    log.info(
      { sns_message_id: event.id, subject: event.subject, topic_arn: event.topic },
      'SNS notification received',
    )
    metrics.handled.notification.inc()
    return
  }
  try {
    const { user_id, data_type } = event.message
    await writeExport(options.documents, event.message, message.sentAt)
    log.info({ user_id, data_type }, 'export written to the documents bucket')
    metrics.handled.export.inc()
  } catch (error) {
    metrics.failed.export.inc()
    log.error(
      { err: error, receive_count: message.receiveCount },
      'message failed; it will be redelivered',
    )
    throw error
  }
}

/**
 * The events consumer as a kit loop on the cloud `consume`: long-polls until `signal` aborts,
 * finishing (and deleting) what it received before it returns. A receive failure that is not
 * transient ends the loop, which turns /ready to 503.
 */
export function eventsConsumer(options: ConsumerOptions): Loop {
  return (signal) =>
    consume(options.queue, (message) => handleMessage(options, message), {
      signal,
      log: options.log,
      waitSeconds: options.waitSeconds ?? 20,
      // handleMessage logged why; the message comes back after its visibility timeout.
      onError: () => undefined,
      isFatal: (error) => !isCloudError(error) || !error.transient,
    })
}
