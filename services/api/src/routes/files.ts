import multipart from '@fastify/multipart'
import type { ObjectStore } from '@ferry/cloud'
import { problemResponses, type RoutePlugin } from '@ferry/kit'
import { Type } from '@sinclair/typebox'
import type { Files } from '../files/files.ts'
import { tenantOf } from '../files/paths.ts'
import {
  DeleteResult,
  FileBytes,
  FileMetadata,
  FolderDeleted,
  Listing,
  PathBody,
  PathKey,
  PathsBody,
  PresignedPost,
  PresignedUrl,
  TransferBody,
  Transferred,
  UploadedFile,
  UploadedFiles,
} from '../files/schemas.ts'
import { receiveFiles } from '../files/upload.ts'

export interface FileRoutesOptions {
  files: Files
  /** The files bucket, which uploads stream into. */
  store: ObjectStore
  maxUploadBytes: number
  /** Longest expiry of a presigned download URL / upload form, in seconds. */
  presignMaxSeconds: number
  presignUploadMaxSeconds: number
}

const tags = ['files']
const MAX_FILES_PER_UPLOAD = 100
const DEFAULT_EXPIRY = 3600
const PathParams = Type.Object({
  '*': Type.String({ description: "The file's path in the tenant's tree, e.g. docs/a.pdf" }),
})
const FolderQuery = Type.Object({
  folder: Type.String({ default: '', description: 'Folder in the tenant tree ("" = root)' }),
})
const ListQuery = Type.Object({
  folder: Type.String({ default: '', description: 'Folder in the tenant tree ("" = root)' }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
})
const FolderPathQuery = Type.Object({ path: Type.String({ minLength: 1 }) })
const expiry = (max: number) =>
  Type.Integer({ minimum: 1, maximum: max, default: Math.min(DEFAULT_EXPIRY, max) })

/**
 * A tenant's private file tree under `tenants/t/{tenant_id}/` (or `tenants/u/{sub}/` for a token
 * without a tenant_id) of the files bucket; the tenant is the
 * token's `tenant_id` claim, else its `sub`. Register inside a scope that authenticates (prefix
 * /files).
 */
export const fileRoutes: RoutePlugin<FileRoutesOptions> = async (app, options) => {
  const { files, store } = options
  await app.register(multipart, { throwFileSizeLimit: true })
  const upload = (field: string, maxFiles: number) => ({
    field,
    limits: { maxBytes: options.maxUploadBytes, maxFiles },
  })

  app.post(
    '/upload',
    {
      schema: {
        tags,
        summary: 'Upload one file (multipart part "file") into a folder',
        description: `Streamed to the bucket, at most MAX_UPLOAD_BYTES (${options.maxUploadBytes}); replaces a file of the same name.`,
        querystring: FolderQuery,
        consumes: ['multipart/form-data'],
        response: { 201: UploadedFile, ...problemResponses(400, 401, 403, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const { field, limits } = upload('file', 1)
      const tenant = tenantOf(request.user)
      const target = { tenant, folder: request.query.folder, field }
      const [file] = await receiveFiles(request, store, target, limits)
      return reply.code(201).send(file)
    },
  )

  app.post(
    '/upload-multiple',
    {
      schema: {
        tags,
        summary: 'Upload several files (multipart parts "files") into a folder',
        description: `At most ${MAX_FILES_PER_UPLOAD} files; all are stored or none.`,
        querystring: FolderQuery,
        consumes: ['multipart/form-data'],
        response: { 201: UploadedFiles, ...problemResponses(400, 401, 403, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const { field, limits } = upload('files', MAX_FILES_PER_UPLOAD)
      const tenant = tenantOf(request.user)
      const target = { tenant, folder: request.query.folder, field }
      const stored = await receiveFiles(request, store, target, limits)
      return reply.code(201).send({ uploaded: stored.length, files: stored })
    },
  )

  app.get(
    '/download/*',
    {
      schema: {
        tags,
        summary: 'Download a file; supports a single Range',
        params: PathParams,
        produces: ['application/octet-stream'],
        response: {
          200: FileBytes,
          206: FileBytes,
          ...problemResponses(400, 401, 403, 404, 416, 503),
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request.user)
      const download = await files.download(tenant, request.params['*'], request.headers.range)
      return reply.code(download.status).headers(download.headers).send(download.body)
    },
  )

  app.get(
    '/metadata/*',
    {
      schema: {
        tags,
        summary: "A file's size, type, dates and metadata",
        params: PathParams,
        response: { 200: FileMetadata, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => files.metadata(tenantOf(request.user), request.params['*']),
  )

  app.get(
    '/list',
    {
      schema: {
        tags,
        summary: 'One level of a folder: files, then sub-folders, paginated',
        querystring: ListQuery,
        response: { 200: Listing, ...problemResponses(400, 401, 403, 422, 503) },
      },
    },
    async (request) => {
      const { folder, limit, cursor } = request.query
      return files.list(tenantOf(request.user), folder, limit, cursor)
    },
  )

  app.delete(
    '/delete/*',
    {
      schema: {
        tags,
        summary: 'Delete a file',
        params: PathParams,
        response: { 200: PathKey, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => files.remove(tenantOf(request.user), request.params['*']),
  )

  app.post(
    '/delete-multiple',
    {
      schema: {
        tags,
        summary: 'Delete 1 to 1000 files',
        description: 'A path that does not exist counts as deleted, as in S3.',
        body: PathsBody,
        response: { 200: DeleteResult, ...problemResponses(400, 401, 403, 422, 503) },
      },
    },
    async (request) => files.removeMany(tenantOf(request.user), request.body.paths, request.log),
  )

  app.post(
    '/folder/create',
    {
      schema: {
        tags,
        summary: 'Create a folder (a zero-byte "<path>/" marker)',
        body: PathBody,
        response: { 201: PathKey, ...problemResponses(400, 401, 403, 422, 503) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await files.createFolder(tenantOf(request.user), request.body.path)),
  )

  app.delete(
    '/folder/delete',
    {
      schema: {
        tags,
        summary: 'Delete a folder and everything under it',
        querystring: FolderPathQuery,
        response: { 200: FolderDeleted, ...problemResponses(400, 401, 403, 422, 503) },
      },
    },
    async (request) => files.removeFolder(tenantOf(request.user), request.query.path),
  )

  for (const [verb, move] of [
    ['copy', false],
    ['move', true],
  ] as const) {
    app.post(
      `/${verb}`,
      {
        schema: {
          tags,
          summary: move ? 'Move a file (copy, then delete the source)' : 'Copy a file',
          description: '409 if the destination exists, unless "overwrite": true.',
          body: TransferBody,
          response: { 200: Transferred, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
        },
      },
      async (request) => files.transfer(tenantOf(request.user), request.body, move),
    )
  }

  app.get(
    '/presigned-url/*',
    {
      schema: {
        tags,
        summary: 'A URL that downloads the file without a token until it expires',
        params: PathParams,
        querystring: Type.Object({ expires_in: expiry(options.presignMaxSeconds) }),
        response: { 200: PresignedUrl, ...problemResponses(400, 401, 403, 404, 422, 503) },
      },
    },
    async (request) =>
      files.presignGet(tenantOf(request.user), request.params['*'], request.query.expires_in),
  )

  app.post(
    '/presigned-upload',
    {
      schema: {
        tags,
        summary: 'An HTML-form POST that uploads exactly this path without a token',
        description: 'POST the fields, then the file in a part named "file", to the url.',
        body: Type.Object(
          {
            path: Type.String({ minLength: 1 }),
            expires_in: expiry(options.presignUploadMaxSeconds),
            max_bytes: Type.Integer({
              minimum: 1,
              maximum: options.maxUploadBytes,
              default: options.maxUploadBytes,
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PresignedPost, ...problemResponses(400, 401, 403, 422, 503) },
      },
    },
    async (request) => {
      const { path, expires_in, max_bytes } = request.body
      return files.presignPost(tenantOf(request.user), path, expires_in, max_bytes)
    },
  )
}
