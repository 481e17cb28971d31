import { type Static, Type } from '@sinclair/typebox'

const RelativeKey = (description: string) => Type.String({ description })

export const UploadedFile = Type.Object({
  key: RelativeKey("The file's path in the tenant's tree"),
  size: Type.Integer({ description: 'Bytes stored' }),
  content_type: Type.String(),
  etag: Type.String({ description: 'As S3 gives it, quoted' }),
})
export type UploadedFile = Static<typeof UploadedFile>

export const UploadedFiles = Type.Object({
  uploaded: Type.Integer(),
  files: Type.Array(UploadedFile),
})

export const FileMetadata = Type.Object({
  key: RelativeKey("The file's path in the tenant's tree"),
  size: Type.Integer(),
  content_type: Type.String(),
  last_modified: Type.String({ format: 'date-time' }),
  etag: Type.String(),
  metadata: Type.Record(Type.String(), Type.String(), {
    description: 'User metadata: tenant_id, original_filename (URL-encoded)',
  }),
})

export const ListItem = Type.Object({
  key: RelativeKey('Path in the tenant tree; a folder ends in /'),
  name: Type.String({ description: 'The last segment' }),
  type: Type.Union([Type.Literal('file'), Type.Literal('folder')]),
  size: Type.Optional(Type.Integer()),
  last_modified: Type.Optional(Type.String({ format: 'date-time' })),
  etag: Type.Optional(Type.String()),
})
export type ListItem = Static<typeof ListItem>

export const Listing = Type.Object({
  folder: Type.String({ description: 'The folder listed, ending in / ("" for the root)' }),
  items: Type.Array(ListItem, { description: 'Files first, then sub-folders' }),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as cursor for the next page; null on the last page',
  }),
})

export const PathKey = Type.Object({ key: Type.String() })

export const PathsBody = Type.Object(
  { paths: Type.Array(Type.String(), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
)

export const DeleteResult = Type.Object({
  deleted: Type.Array(Type.String()),
  errors: Type.Array(Type.Object({ key: Type.String(), message: Type.String() })),
})

export const PathBody = Type.Object(
  { path: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
)

export const FolderDeleted = Type.Object({
  deleted: Type.Integer({ description: 'Keys deleted, the folder marker included' }),
})

export const TransferBody = Type.Object(
  {
    source: Type.String({ minLength: 1 }),
    destination: Type.String({ minLength: 1 }),
    overwrite: Type.Boolean({ default: false, description: 'Replace an existing destination' }),
  },
  { additionalProperties: false },
)

export const Transferred = Type.Object({ source: Type.String(), destination: Type.String() })

export const PresignedUrl = Type.Object({
  url: Type.String(),
  expires_in: Type.Integer(),
})

export const PresignedPost = Type.Object({
  url: Type.String(),
  fields: Type.Record(Type.String(), Type.String(), {
    description: 'Send these form fields first, then the file in a part named "file"',
  }),
  expires_in: Type.Integer(),
})

/** The bytes of a file (or of the range asked for). */
export const FileBytes = Type.Unsafe<unknown>({
  description: 'The file, streamed',
  type: 'string',
  format: 'binary',
})
