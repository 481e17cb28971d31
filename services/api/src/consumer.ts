import { setTimeout as sleep } from 'node:timers/promises'
import { isCloudError, type Queue, type ReceivedMessage } from '@ferry/cloud'
import type { Loop, ServiceApp } from '@ferry/kit'
import { Value } from '@sinclair/typebox/value'
import { type Documents, documentKey } from './documents.ts'
import { ExportMessage } from './exports.ts'
import { KIND_NAMES } from './users/kinds.ts'

export interface ConsumerOptions {
  queue: Queue
  documents: Documents
  log: ServiceApp['log']
  /** Long-poll wait per receive, default 20 s. */
  waitSeconds?: number
  /** Pause after a receive failed transiently, default 1000 ms. */
  retryDelayMs?: number
}

/** What a message on the events queue turned out to be. */
export type QueueEvent =
  | { type: 'export'; message: ExportMessage }
  | { type: 'notification'; id: string; subject: string | undefined; topic: string | undefined }
  | { type: 'unknown'; reason: string }

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
 * Handles one message and says whether it may be deleted: exports once written, notifications
 * once logged. Unknown messages and failures are kept, so the queue redelivers them and its
 * redrive policy moves what never succeeds to the dead-letter queue. Never throws.
 */
export async function handleMessage(
  options: ConsumerOptions,
  message: ReceivedMessage,
): Promise<boolean> {
  const log = options.log.child({ message_id: message.messageId })
  const event = parseEvent(message.body)
  try {
    if (event.type === 'export') {
      const { user_id, data_type } = event.message
      await writeExport(options.documents, event.message, message.sentAt)
      log.info({ user_id, data_type }, 'export written to the documents bucket')
      return true
    }
    if (event.type === 'notification') {
      log.info(
        { sns_message_id: event.id, subject: event.subject, topic_arn: event.topic },
        'SNS notification received',
      )
      return true
    }
    log.warn(
      { reason: event.reason, receive_count: message.receiveCount },
      'unrecognised message left on the queue for its dead-letter queue',
    )
  } catch (error) {
    log.error(
      { err: error, receive_count: message.receiveCount },
      'message failed; it will be redelivered',
    )
  }
  return false
}

/** One long poll: receive, handle each message, delete the handled ones. */
export async function pollOnce(options: ConsumerOptions, signal: AbortSignal): Promise<void> {
  const { queue, log } = options
  let messages: ReceivedMessage[]
  try {
    messages = await queue.receive({ waitSeconds: options.waitSeconds ?? 20, signal })
  } catch (error) {
    if (!isCloudError(error) || !error.transient) throw error
    log.warn({ err: error }, 'receiving from the events queue failed; retrying')
    await sleep(options.retryDelayMs ?? 1000, undefined, { signal }).catch(() => undefined)
    return
  }
  const handled = await Promise.all(messages.map((m) => handleMessage(options, m)))
  const done = messages.filter((_, i) => handled[i]).map((m) => m.receiptHandle)
  if (done.length === 0) return
  try {
    const { failed } = await queue.delete(done)
    for (const f of failed)
      log.warn({ reason: f.message }, 'delete failed; the message will be redelivered')
  } catch (error) {
    log.warn({ err: error }, 'delete failed; the messages will be redelivered')
  }
}

/**
 * The events consumer as a kit loop: long-polls until `signal` aborts, finishing (and deleting)
 * what it received before it returns. A permanent receive failure ends the loop, which turns
 * /ready to 503.
 */
export function eventsConsumer(options: ConsumerOptions): Loop {
  return async (signal) => {
    while (!signal.aborted) await pollOnce(options, signal)
  }
}
