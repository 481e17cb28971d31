import type { ObjectStore } from '@ferry/cloud'
import type { Sql } from '@ferry/db'
import { recordSeen } from './file-log.ts'

export interface Watched {
  /** The bucket's name as the store reports it: the log's s3_bucket. */
  bucket: string
  /** S3_BUCKET as configured, for file_path. */
  bucketSetting: string
  prefix: string
}

/** Keys the clearinghouse loads: `.json`, case-sensitive, under the prefix. */
export function isWatchedKey(key: string, prefix: string): boolean {
  return key.endsWith('.json') && key.startsWith(prefix)
}

/**
 * Lists the whole prefix page by page (no cap on the number of keys) and records every `.json`
 * key in the log, a page at a time. Returns how many keys were seen and how many became pending.
 */
export async function syncListing(
  sql: Sql,
  store: ObjectStore,
  watched: Watched,
): Promise<{ seen: number; pending: number }> {
  let seen = 0
  let pending = 0
  let cursor: string | undefined
  do {
    const page = await store.list({ prefix: watched.prefix || undefined, cursor })
    const objects = page.objects.filter((o) => isWatchedKey(o.key, watched.prefix))
    seen += objects.length
    pending += await recordSeen(sql, watched.bucket, watched.bucketSetting, objects)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return { seen, pending }
}
