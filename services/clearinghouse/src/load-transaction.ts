import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { TextDecoder } from 'node:util'
import { type GetResult, isCloudError, type ObjectStore } from '@ferry/cloud'
import type { Sql, TransactionSql } from '@ferry/db'
import { CopyInserter } from './copy-insert.ts'
import { FileError } from './file-error.ts'
import type { Claim } from './file-log.ts'
import { type BatchLimits, type RecordSource, RecordSplitter } from './records.ts'

export interface LoadOptions {
  signal: AbortSignal
  batch?: BatchLimits
  /** Longest wait for the object's next bytes before the read is given up, default 60 s. */
  readTimeoutMs?: number
}

export const DEFAULT_READ_TIMEOUT_MS = 60_000

export interface LoadResult {
  /** Records now stored for the file. */
  records: number
  bytes: number
  /** sha256 of the exact bytes read, hex. */
  hash: string
  source: RecordSource
  /** The content hashed the same as the records already stored: they were kept as they are. */
  unchanged: boolean
}

/** The claim was taken over (lease expired or the object changed): nothing was committed. */
export class ClaimLost extends Error {
  constructor(key: string) {
    super(`lost the claim on ${key}; another worker or a newer version took over`)
    this.name = 'ClaimLost'
  }
}

/** Thrown inside the savepoint to undo the inserts of content that did not change. */
class Unchanged extends Error {
  readonly result: LoadResult
  constructor(result: LoadResult) {
    super('unchanged')
    this.result = result
  }
}

/**
 * Streams the claimed object from the store into processed_data and marks it COMPLETED, all in
 * one transaction: the file's old records are replaced, and any failure (a FileError for bad
 * content, anything else for infrastructure, the signal's reason on abort) rolls back every
 * record. Memory stays bounded by the batch size, whatever the file size.
 */
export async function loadInTransaction(
  sql: Sql,
  store: ObjectStore,
  claim: Claim,
  options: LoadOptions,
): Promise<LoadResult> {
  const object = await getObject(store, claim.key)
  try {
    return await sql.begin(async (tx) => {
      const result = await tx
        .savepoint((sp) => streamRecords(sp, object, claim, options))
        .catch((error: unknown) => {
          if (error instanceof Unchanged) return error.result
          throw error
        })
      await complete(tx, claim, object, result)
      return result
    })
  } finally {
    object.body.destroy()
  }
}

async function getObject(store: ObjectStore, key: string): Promise<GetResult> {
  try {
    return await store.get(key)
  } catch (error) {
    if (isCloudError(error, 'NotFound')) throw new FileError(`File not found: ${key}`)
    throw error
  }
}

async function streamRecords(
  tx: TransactionSql,
  object: GetResult,
  claim: Claim,
  options: LoadOptions,
): Promise<LoadResult> {
  const { key } = claim
  await tx`delete from processed_data where file_log_id = ${claim.id}`
  const inserter = new CopyInserter(tx, claim.id, options.batch)
  const splitter = new RecordSplitter(key, inserter, options.batch)
  const hash = createHash('sha256')
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let bytes = 0
  try {
    const watch = watchBody(object.body, options.signal, options.readTimeoutMs)
    try {
      for await (const chunk of object.body as AsyncIterable<Buffer>) {
        watch.pause()
        options.signal.throwIfAborted()
        hash.update(chunk)
        bytes += chunk.length
        splitter.write(decode(decoder, key, chunk))
        await inserter.ready()
        watch.arm()
      }
    } finally {
      watch.stop()
    }
    options.signal.throwIfAborted()
    if (bytes === 0) throw new FileError(`Empty file: ${key}`)
    splitter.write(decode(decoder, key))
    const { source, count } = splitter.end()
    await inserter.finish()
    const result = { records: count, bytes, hash: hash.digest('hex'), source, unchanged: false }
    if (result.hash === claim.previousHash) throw new Unchanged({ ...result, unchanged: true })
    return result
  } catch (error) {
    // A COPY still open would keep the savepoint from rolling back.
    inserter.abort()
    throw error
  }
}

/**
 * Ends a read that would otherwise wait forever: destroys the body (so the loop above throws)
 * when `signal` aborts (shutdown, lost claim) or when no bytes came for `timeoutMs` while the
 * loop was waiting for them. A stalled connection thus fails the attempt instead of holding the
 * file, its lease renewed, until the process dies.
 */
function watchBody(body: Readable, signal: AbortSignal, timeoutMs = DEFAULT_READ_TIMEOUT_MS) {
  let timer: NodeJS.Timeout | undefined
  const onAbort = () =>
    body.destroy(signal.reason instanceof Error ? signal.reason : new Error('load aborted'))
  signal.addEventListener('abort', onAbort, { once: true })
  const pause = () => clearTimeout(timer)
  const arm = () => {
    pause()
    timer = setTimeout(() => {
      body.destroy(new Error(`no data from the object for ${timeoutMs / 1000} s`))
    }, timeoutMs)
  }
  arm()
  return {
    arm,
    pause,
    stop() {
      pause()
      signal.removeEventListener('abort', onAbort)
    },
  }
}

function decode(decoder: TextDecoder, key: string, chunk?: Buffer): string {
  try {
    return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true })
  } catch {
    throw new FileError(`Invalid UTF-8 encoding in ${key}`)
  }
}

async function complete(
  tx: TransactionSql,
  claim: Claim,
  object: GetResult,
  result: LoadResult,
): Promise<void> {
  const metadata = JSON.stringify({
    content_type: object.contentType ?? null,
    last_modified: object.lastModified.toISOString(),
    etag: object.etag,
  })
  const rows = await tx`
    update file_processing_log set
      status = 'COMPLETED', file_size = ${result.bytes}, file_hash = ${result.hash},
      etag = ${object.etag}, metadata = ${metadata}::text::jsonb,
      record_count = ${result.records},
      processed_at = clock_timestamp(), error_message = null, lease_expires_at = null,
      claim_token = null, next_attempt_at = null
    where id = ${claim.id} and claim_token = ${claim.token}
    returning id`
  if (rows.length === 0) throw new ClaimLost(claim.key)
}
