/**
 * The queries that move a row of file_processing_log through its states. Every change made on
 * behalf of a claim names the claim's token, so a worker that lost its claim (lease expired, or
 * the object was re-uploaded) can no longer touch the row.
 */
import type { Sql } from '@ferry/db'

/** An object as the listing (or an event) saw it. */
export interface SeenObject {
  key: string
  etag: string
  size: number
  lastModified: Date
}

/** A file this worker holds until it completes, fails or releases it. */
export interface Claim {
  /** A bigint in the database; exact as a number up to 2^53. */
  id: number
  key: string
  token: string
  /** This attempt's number, from 1. */
  attempts: number
  /** Hash of the content whose records are stored now (from an earlier load), if any. */
  previousHash: string | null
}

export interface RetryPolicy {
  maxAttempts: number
  baseSeconds: number
  maxSeconds: number
}

/** `s3://bucket/key`, or the local store's `file://…/key`. */
export function fileLocation(bucket: string, key: string): string {
  return bucket.startsWith('file://')
    ? `${bucket.replace(/\/+$/, '')}/${key}`
    : `s3://${bucket}/${key}`
}

/**
 * Adds a pending row for each new key and resets a row whose etag changed, whatever its status,
 * with attempts starting over (a worker loading the old content loses its claim). A key seen
 * again with the same etag is left alone. Returns how many rows became pending.
 *
 * Only keys missing from the log reach the INSERT: its identity default draws an id even when
 * ON CONFLICT then skips the row, so inserting every listed key would burn one id per key per
 * poll. A key another session inserts concurrently (the event consumer, a replica) is left to
 * that session: DO NOTHING takes no row lock, whereas DO UPDATE would lock the row even when it
 * changes nothing and make a concurrent claim (SKIP LOCKED) pass over a file just recorded.
 */
export async function recordSeen(
  sql: Sql,
  bucket: string,
  bucketSetting: string,
  objects: SeenObject[],
): Promise<number> {
  if (objects.length === 0) return 0
  const keys = objects.map((o) => o.key)
  const [row] = await sql<{ pending: number }[]>`
    with seen as (
      select * from unnest(
        ${keys}::text[],
        ${keys.map((k) => k.slice(k.lastIndexOf('/') + 1))}::text[],
        ${keys.map((k) => fileLocation(bucketSetting, k))}::text[],
        ${objects.map((o) => o.etag)}::text[],
        ${objects.map((o) => o.size)}::bigint[]
      ) as o(key, name, path, etag, size)
    ), changed as (
      update file_processing_log l set
        etag = o.etag, file_size = o.size, status = 'pending', attempts = 0,
        next_attempt_at = now(), lease_expires_at = null, claim_token = null, error_message = null
      from seen o
      where l.s3_bucket = ${bucket} and l.s3_key = o.key and l.etag is distinct from o.etag
      returning l.id
    ), added as (
      insert into file_processing_log as l
        (file_name, file_path, s3_bucket, s3_key, file_size, etag, next_attempt_at)
      select o.name, o.path, ${bucket}, o.key, o.size, o.etag, now()
      from seen o
      where not exists (
        select from file_processing_log x where x.s3_bucket = ${bucket} and x.s3_key = o.key)
      on conflict (s3_bucket, s3_key) do nothing
      returning l.id
    )
    select (select count(*) from changed)::int + (select count(*) from added)::int as pending`
  return row?.pending ?? 0
}

/**
 * Claims the next file due, in one statement that row-locks it (SKIP LOCKED, so replicas never
 * wait on each other): a pending file, a FAILED one whose retry is due, or one whose lease
 * expired (its worker died). The claim counts as an attempt.
 */
export async function claimNext(
  sql: Sql,
  bucket: string,
  token: string,
  options: { leaseSeconds: number; maxAttempts: number },
): Promise<Claim | undefined> {
  const [row] = await sql<
    { id: string; s3_key: string; attempts: number; file_hash: string | null }[]
  >`
    with candidate as (
      select id from file_processing_log
      where s3_bucket = ${bucket} and attempts < ${options.maxAttempts} and (
        status = 'pending'
        or (status = 'FAILED' and next_attempt_at <= now())
        or (status = 'processing' and lease_expires_at <= now()))
      order by id
      limit 1
      for update skip locked
    )
    update file_processing_log l set
      status = 'processing', attempts = l.attempts + 1, claim_token = ${token},
      lease_expires_at = now() + make_interval(secs => ${options.leaseSeconds}::float8)
    from candidate where l.id = candidate.id
    returning l.id, l.s3_key, l.attempts, l.file_hash`
  if (!row) return undefined
  const id = Number(row.id)
  return { id, key: row.s3_key, token, attempts: row.attempts, previousHash: row.file_hash }
}

/** Extends the lease; false when the claim was lost. */
export async function renewLease(sql: Sql, claim: Claim, leaseSeconds: number): Promise<boolean> {
  const rows = await sql`
    update file_processing_log
    set lease_expires_at = now() + make_interval(secs => ${leaseSeconds}::float8)
    where id = ${claim.id} and claim_token = ${claim.token} and status = 'processing'
    returning id`
  return rows.length > 0
}

/**
 * Marks the claimed file FAILED with `message` and deletes any records it had, scheduling the
 * next attempt with exponential backoff unless the attempts are used up. False when the claim
 * was lost.
 */
export async function markFailed(
  sql: Sql,
  claim: Claim,
  message: string,
  policy: RetryPolicy,
): Promise<boolean> {
  const rows = await sql`
    with failed as (
      update file_processing_log set
        status = 'FAILED', error_message = ${message}, lease_expires_at = null,
        claim_token = null, file_hash = null, record_count = null, processed_at = null,
        next_attempt_at = case when attempts < ${policy.maxAttempts} then now() + make_interval(
          secs => least(${policy.baseSeconds}::float8 * power(2, attempts - 1), ${policy.maxSeconds}::float8)
        ) end
      where id = ${claim.id} and claim_token = ${claim.token}
      returning id
    ), gone as (
      delete from processed_data where file_log_id in (select id from failed)
    )
    select id from failed`
  return rows.length > 0
}

/**
 * Gives the file back without counting the attempt (shutdown, database outage): it is
 * claimable again at once.
 */
export async function release(sql: Sql, claim: Claim): Promise<void> {
  await sql`
    update file_processing_log
    set lease_expires_at = now(), attempts = greatest(attempts - 1, 0)
    where id = ${claim.id} and claim_token = ${claim.token} and status = 'processing'`
}

/** Files whose last allowed attempt died with its worker become FAILED (records deleted). */
export async function failAbandoned(
  sql: Sql,
  bucket: string,
  maxAttempts: number,
): Promise<number> {
  const rows = await sql`
    with failed as (
      update file_processing_log set
        status = 'FAILED', lease_expires_at = null, claim_token = null, next_attempt_at = null,
        file_hash = null, record_count = null,
        error_message = 'Processing stopped before it finished (lease expired) on attempt ' || attempts
      where s3_bucket = ${bucket} and status = 'processing' and lease_expires_at <= now()
        and attempts >= ${maxAttempts}
      returning id
    ), gone as (
      delete from processed_data where file_log_id in (select id from failed)
    )
    select id from failed`
  return rows.length
}
