import { type Static, type TSchema, Type } from '@sinclair/typebox'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Timestamp = Type.String({ format: 'date-time' })

export const FileStatus = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('processing'),
    Type.Literal('COMPLETED'),
    Type.Literal('FAILED'),
  ],
  { description: 'pending → processing → COMPLETED, or FAILED (retried until MAX_ATTEMPTS)' },
)
export type FileStatus = Static<typeof FileStatus>

/** One row of file_processing_log, as the operator API shows it. */
export const FileEntry = Type.Object({
  id: Type.Integer(),
  file_name: Type.String(),
  file_path: Type.String(),
  s3_bucket: Type.String(),
  s3_key: Type.String(),
  file_size: Nullable(Type.Integer({ description: 'Bytes' })),
  file_hash: Nullable(Type.String({ description: 'sha256 of the loaded content, hex' })),
  etag: Nullable(Type.String()),
  status: FileStatus,
  attempts: Type.Integer({ description: 'Attempts since the content last changed or a retry' }),
  next_attempt_at: Nullable(Timestamp),
  lease_expires_at: Nullable(Timestamp),
  processed_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  error_message: Nullable(Type.String()),
  metadata: Type.Object(
    {
      content_type: Type.Optional(Nullable(Type.String())),
      last_modified: Type.Optional(Type.String()),
      etag: Type.Optional(Type.String()),
    },
    { additionalProperties: true },
  ),
  record_count: Nullable(Type.Integer({ description: 'Records stored for the file' })),
})
export type FileEntry = Static<typeof FileEntry>

export const FileList = Type.Object({
  files: Type.Array(FileEntry),
  next_cursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page' })),
})
export type FileList = Static<typeof FileList>

export const FileListQuery = Type.Object({
  status: Type.Optional(FileStatus),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'From next_cursor' })),
})
export type FileListQuery = Static<typeof FileListQuery>

export const FileParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
})
export type FileParams = Static<typeof FileParams>

export const Stats = Type.Object({
  files: Type.Object({
    pending: Type.Integer(),
    processing: Type.Integer(),
    COMPLETED: Type.Integer(),
    FAILED: Type.Integer(),
    total: Type.Integer(),
  }),
  records_loaded: Type.Integer({ description: 'Records stored for COMPLETED files' }),
})
export type Stats = Static<typeof Stats>
