/**
 * Multipart uploads, streamed part by part from the request to the store: a file's bytes are
 * never held whole, and a request that fails stores nothing.
 */
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import type { Multipart, MultipartFile } from '@fastify/multipart'
import { isCloudError, type ObjectStore } from '@ferry/cloud'
import { HttpProblem, payloadTooLarge, unprocessable } from '@ferry/kit'
import { relativePath, resolvePath, tenantRoot } from './paths.ts'
import type { UploadedFile } from './schemas.ts'

export interface UploadLimits {
  /** Largest file, in bytes. */
  maxBytes: number
  /** Most file parts one request may carry. */
  maxFiles: number
}

/** What receiving files needs of a request (Fastify's, decorated by @fastify/multipart). */
export interface MultipartRequest {
  raw: IncomingMessage
  isMultipart(): boolean
  parts(options: { limits: Record<string, number> }): AsyncIterableIterator<Multipart>
  log: { error(details: object, message: string): void }
}

const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;[\x20-\x7e]*)?$/
const DEFAULT_TYPE = 'application/octet-stream'

function contentTypeOf(mimetype: string | undefined): string {
  return mimetype && mimetype.length <= 255 && MEDIA_TYPE.test(mimetype) ? mimetype : DEFAULT_TYPE
}

/** Streams one file part to `{folder}/{filename}` in the tenant's tree. */
async function storePart(
  store: ObjectStore,
  tenant: string,
  folder: string,
  part: MultipartFile,
  maxBytes: number,
): Promise<UploadedFile> {
  if (!part.filename) {
    part.file.resume()
    throw unprocessable('The file part has no filename', [
      { path: `/${part.fieldname}`, message: 'has no filename' },
    ])
  }
  const path = folder === '' ? part.filename : `${folder.replace(/\/$/, '')}/${part.filename}`
  let key: string
  try {
    key = resolvePath(tenant, path, 'file', `/${part.fieldname}`)
  } catch (error) {
    part.file.resume()
    throw error
  }
  const contentType = contentTypeOf(part.mimetype)
  // The claim's value, as before the t/ and u/ namespaces (tenantOf).
  const metadata = {
    tenant_id: tenant.slice(tenant.indexOf('/') + 1),
    original_filename: encodeURIComponent(part.filename),
  }
  try {
    const stored = await store.upload(key, part.file as Readable, {
      contentType,
      metadata,
      maxBytes,
    })
    return {
      key: relativePath(tenant, key),
      size: stored.size,
      content_type: contentType,
      etag: stored.etag,
    }
  } catch (error) {
    if (isCloudError(error, 'TooLarge')) {
      throw payloadTooLarge(`The file is larger than the limit of ${maxBytes} bytes`, {
        cause: error,
      })
    }
    if (isCloudError(error, 'InvalidArgument') && !error.keyProblem && part.file.destroyed) {
      throw new HttpProblem(400, 'The upload ended before the file did', { cause: error })
    }
    throw error
  }
}

/**
 * A parser error (busboy's "Unexpected end of multipart data", "Multipart: Boundary not found",
 * a boundary busboy cannot search for…) as a 400; @fastify/multipart's own errors keep theirs.
 */
function malformed(error: unknown): unknown {
  const status = (error as { statusCode?: unknown })?.statusCode
  if (error instanceof HttpProblem || typeof status === 'number') return error
  const reason = error instanceof Error ? `: ${error.message}` : ''
  return new HttpProblem(400, `The multipart body is malformed${reason}`, {
    code: 'malformed_multipart',
    cause: error,
  })
}

/** The request's parts; whatever the parser throws, on the first call or any later one, is a 400. */
async function* partsOf(
  request: MultipartRequest,
  limits: Record<string, number>,
): AsyncGenerator<Multipart> {
  try {
    yield* request.parts({ limits })
  } catch (error) {
    throw malformed(error)
  }
}

/** Stops reading the request: the rest of its body is discarded as it arrives. */
function discardRest(request: MultipartRequest): void {
  request.raw.unpipe()
  request.raw.resume()
}

/**
 * Streams every file part named `field` of a multipart request to `folder`, at most
 * `limits.maxFiles` of them, each of at most `limits.maxBytes`; other parts are skipped. 415 when
 * the request is not multipart, 422 when it has no such file part, 413 for a file over the
 * limit. When any file fails, the files this request already stored are deleted again.
 */
export async function receiveFiles(
  request: MultipartRequest,
  store: ObjectStore,
  target: { tenant: string; folder: string; field: string },
  limits: UploadLimits,
): Promise<[UploadedFile, ...UploadedFile[]]> {
  if (!request.isMultipart()) {
    throw new HttpProblem(
      415,
      `Send multipart/form-data with the file in a "${target.field}" part`,
      {
        code: 'unsupported_media_type',
      },
    )
  }
  // Checked before any byte is stored, so a bad folder fails the request and not a file.
  resolvePath(target.tenant, target.folder, 'folder-or-root', '/folder')
  const stored: UploadedFile[] = []
  try {
    const parts = partsOf(request, {
      fileSize: limits.maxBytes + 1,
      files: limits.maxFiles,
      fields: 20,
      parts: limits.maxFiles + 20,
    })
    for await (const part of parts) {
      if (part.type !== 'file') continue
      if (part.fieldname !== target.field) {
        part.file.resume()
        continue
      }
      stored.push(await storePart(store, target.tenant, target.folder, part, limits.maxBytes))
    }
  } catch (error) {
    discardRest(request)
    await removeStored(store, target.tenant, stored, request)
    throw error
  }
  const [first, ...rest] = stored
  if (!first) {
    throw unprocessable(`No file part: send the file in a "${target.field}" part`, [
      { path: `/${target.field}`, message: 'is required' },
    ])
  }
  return [first, ...rest]
}

async function removeStored(
  store: ObjectStore,
  tenant: string,
  files: UploadedFile[],
  request: MultipartRequest,
): Promise<void> {
  if (files.length === 0) return
  const keys = files.map((f) => `${tenantRoot(tenant)}${f.key}`)
  try {
    const result = await store.delete(keys)
    if (result.errors.length > 0) request.log.error({ errors: result.errors }, 'upload rollback')
  } catch (error) {
    request.log.error({ err: error, keys }, 'could not delete the files of a failed upload')
  }
}
