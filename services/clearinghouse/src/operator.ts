/** The queries behind the operator API: read the log, count, and reset a FAILED file. */
import type { Sql } from '@ferry/db'
import { conflict, notFound } from '@ferry/kit'
import type { FileEntry, FileList, FileListQuery, FileStatus, Stats } from './schemas.ts'

/** postgres.js returns bigint columns as strings. */
interface FileRow extends Omit<FileEntry, 'id' | 'file_size' | `${string}_at`> {
  id: string
  file_size: string | null
  next_attempt_at: Date | null
  lease_expires_at: Date | null
  processed_at: Date | null
  created_at: Date
  updated_at: Date
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString())

function toEntry(row: FileRow): FileEntry {
  return {
    ...row,
    id: Number(row.id),
    file_size: row.file_size === null ? null : Number(row.file_size),
    next_attempt_at: iso(row.next_attempt_at),
    lease_expires_at: iso(row.lease_expires_at),
    processed_at: iso(row.processed_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }
}

function columns(sql: Sql) {
  return sql`
    id, file_name, file_path, s3_bucket, s3_key, file_size, file_hash, etag, status, attempts,
    next_attempt_at, lease_expires_at, processed_at, created_at, updated_at, error_message,
    metadata, record_count`
}

/** Newest first, optionally one status; `cursor` continues after the previous page. */
export async function listFiles(sql: Sql, query: FileListQuery): Promise<FileList> {
  const rows = await sql<FileRow[]>`
    select ${columns(sql)} from file_processing_log
    where true
      ${query.status === undefined ? sql`` : sql`and status = ${query.status}`}
      ${query.cursor === undefined ? sql`` : sql`and id < ${Number(query.cursor)}`}
    order by id desc
    limit ${query.limit + 1}`
  const more = rows.length > query.limit
  const page = rows.slice(0, query.limit)
  const last = page[page.length - 1]
  return { files: page.map(toEntry), next_cursor: more && last ? String(last.id) : null }
}

/** The file with its record count; 404 when there is none. */
export async function getFile(sql: Sql, id: number): Promise<FileEntry> {
  const [row] = await sql<
    FileRow[]
  >`select ${columns(sql)} from file_processing_log where id = ${id}`
  if (!row) throw notFound(`No file with id ${id}`)
  return toEntry(row)
}

/**
 * Makes a FAILED file pending again with its attempts starting over; 409 for any other status
 * (a COMPLETED file is loaded again by uploading new content), 404 when there is none.
 */
export async function retryFile(sql: Sql, id: number): Promise<FileEntry> {
  const [row] = await sql<FileRow[]>`
    update file_processing_log set
      status = 'pending', attempts = 0, next_attempt_at = now(), error_message = null
    where id = ${id} and status = 'FAILED'
    returning ${columns(sql)}`
  if (row) return toEntry(row)
  const current = await getFile(sql, id)
  throw conflict(`File ${id} is ${current.status}; only a FAILED file can be retried`, {
    code: 'not_failed',
  })
}

/** Files per status and the records stored for COMPLETED files. */
export async function fileStats(sql: Sql): Promise<Stats> {
  const rows = await sql<{ status: FileStatus; files: number; records: string | null }[]>`
    select status, count(*)::int as files, sum(record_count)::text as records
    from file_processing_log group by status`
  const files = { pending: 0, processing: 0, COMPLETED: 0, FAILED: 0, total: 0 }
  let records = 0
  for (const row of rows) {
    files[row.status] = row.files
    files.total += row.files
    if (row.status === 'COMPLETED') records = Number(row.records ?? 0)
  }
  return { files, records_loaded: records }
}
