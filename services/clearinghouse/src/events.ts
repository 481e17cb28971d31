import { consume, type ObjectStore, type Queue, type ReceivedMessage } from '@ferry/cloud'
import type { Sql } from '@ferry/db'
import { recordSeen } from './file-log.ts'
import type { Logger } from './logger.ts'
import { isWatchedKey, type Watched } from './poll.ts'

export interface EventDeps {
  sql: Sql
  store: ObjectStore
  queue: Queue
  log: Logger
  /** Called after new objects were recorded, so they are loaded without waiting for a poll. */
  onSeen: () => void
}

interface S3EventRecord {
  eventName?: string
  s3?: { bucket?: { name?: string }; object?: { key?: string } }
}

/**
 * The object keys an S3 event notification names (directly or wrapped in an SNS envelope), URL-
 * decoded; `[]` for S3's test event. Throws on a body that is not an S3 notification.
 */
export function eventKeys(body: string): string[] {
  let message = JSON.parse(body) as Record<string, unknown>
  if (message.Type === 'Notification' && typeof message.Message === 'string') {
    message = JSON.parse(message.Message) as Record<string, unknown>
  }
  if (message.Event === 's3:TestEvent') return []
  if (!Array.isArray(message.Records)) throw new Error('not an S3 event notification')
  return (message.Records as S3EventRecord[])
    .filter((r) => r.eventName?.startsWith('ObjectCreated:') && r.s3?.object?.key)
    .map((r) => decodeURIComponent((r.s3?.object?.key ?? '').replaceAll('+', ' ')))
}

/**
 * Consumes the bucket's ObjectCreated notifications with the cloud `consume`: each named `.json`
 * key is looked up (HEAD gives its current etag, whatever order events arrive in) and recorded
 * like a listing would, then the message is deleted. A message that fails stays on the queue and
 * comes back; one that is not an S3 notification is left for the dead-letter queue. Polling stays
 * the safety net.
 */
export function consumeEvents(
  deps: EventDeps,
  watched: Watched,
  signal: AbortSignal,
): Promise<void> {
  return consume(deps.queue, (message) => handle(deps, watched, message), {
    signal,
    log: deps.log,
    onError(error, message) {
      deps.log.warn(
        { err: error, message_id: message.messageId },
        'S3 event not handled; left on the queue',
      )
      return undefined
    },
  })
}

/** Records the watched keys `message` names; wakes the processor when any is new or changed. */
async function handle(deps: EventDeps, watched: Watched, message: ReceivedMessage): Promise<void> {
  const keys = eventKeys(message.body).filter((k) => isWatchedKey(k, watched.prefix))
  let recorded = 0
  for (const key of keys) {
    const info = await deps.store.head(key)
    if (info) recorded += await recordSeen(deps.sql, watched.bucket, watched.bucketSetting, [info])
  }
  if (recorded > 0) deps.onSeen()
}
