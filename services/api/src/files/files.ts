import type { Readable } from 'node:stream'
import { isCloudError, type ObjectInfo, type ObjectStore, parseRangeHeader } from '@ferry/cloud'
import { conflict, HttpProblem, notFound, unprocessable } from '@ferry/kit'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { attachmentDisposition } from './http.ts'
import { lastSegment, relativePath, resolvePath } from './paths.ts'
import type { ListItem } from './schemas.ts'

/** A file's bytes with the status and headers to answer a download with. */
export interface Download {
  status: 200 | 206
  headers: Record<string, string | number>
  body: Readable
}

const DELETE_BATCH = 1000

function isNotFound(error: unknown): boolean {
  return isCloudError(error, 'NotFound')
}

/** InvalidArgument about the call, not a key the store cannot hold (the kit answers that 400). */
function isBadArgument(error: unknown): boolean {
  return isCloudError(error, 'InvalidArgument') && error.keyProblem === undefined
}

/** A tenant's tree in the files bucket. Every method takes the tenant from the caller's token. */
export function createFiles(store: ObjectStore) {
  /** The object at `key`; 404 "File not found" when there is none. */
  const headKey = async (key: string) => {
    const info = await store.head(key)
    if (!info) throw notFound('File not found')
    return info
  }

  const headFile = (tenant: string, path: string, field: string) =>
    headKey(resolvePath(tenant, path, 'file', field))

  const unsatisfiable = (size: number) =>
    new HttpProblem(416, `The range is not satisfiable: the file has ${size} bytes`, {
      code: 'range_not_satisfiable',
      headers: { 'content-range': `bytes */${size}` },
    })

  /** The store's range for a Range header, which is read against the file's size. */
  const rangeOf = async (key: string, header: string | undefined) => {
    if (header === undefined) return undefined
    const info = await headKey(key)
    const range = parseRangeHeader(header, info.size)
    if (range.kind === 'unsatisfiable') throw unsatisfiable(info.size)
    return range.kind === 'part' ? { start: range.start, end: range.end } : undefined
  }

  const openRange = async (key: string, range: { start: number; end?: number } | undefined) => {
    try {
      return await store.get(key, range ? { range } : {})
    } catch (error) {
      if (isNotFound(error)) throw notFound('File not found')
      if (range && isBadArgument(error)) throw unsatisfiable((await headKey(key)).size)
      throw error
    }
  }

  return {
    /** The file's bytes (a byte range when `rangeHeader` asks for one) and response headers. */
    async download(tenant: string, path: string, rangeHeader?: string): Promise<Download> {
      const key = resolvePath(tenant, path, 'file', '/*')
      const object = await openRange(key, await rangeOf(key, rangeHeader))
      const headers: Record<string, string | number> = {
        'content-type': object.contentType ?? 'application/octet-stream',
        'content-length': object.size,
        'content-disposition': attachmentDisposition(lastSegment(path)),
        'x-content-type-options': 'nosniff',
        'accept-ranges': 'bytes',
        etag: object.etag,
        'last-modified': object.lastModified.toUTCString(),
      }
      if (object.contentRange) headers['content-range'] = object.contentRange
      return { status: object.contentRange ? 206 : 200, headers, body: object.body }
    },

    async metadata(tenant: string, path: string) {
      const info = await headFile(tenant, path, '/*')
      return {
        key: relativePath(tenant, info.key),
        size: info.size,
        content_type: info.contentType ?? 'application/octet-stream',
        last_modified: info.lastModified.toISOString(),
        etag: info.etag,
        metadata: info.metadata,
      }
    },

    /**
     * One page of a folder, one level deep: its files, then its sub-folders. The folder's own
     * marker is not listed. `cursor` continues a listing of the same folder by the same tenant.
     */
    async list(tenant: string, folder: string, limit: number, cursor?: string) {
      const prefix = resolvePath(tenant, folder, 'folder-or-root', '/folder')
      const storeCursor = cursor === undefined ? undefined : decodeCursor(cursor, prefix)
      let page: Awaited<ReturnType<ObjectStore['list']>>
      try {
        page = await store.list({ prefix, delimiter: '/', limit, cursor: storeCursor })
      } catch (error) {
        if (storeCursor !== undefined && isBadArgument(error)) {
          throw new HttpProblem(400, 'Invalid cursor', { code: 'invalid_cursor', cause: error })
        }
        throw error
      }
      const files = page.objects.filter((o) => o.key !== prefix).map((o) => fileItem(tenant, o))
      const folders = page.prefixes.map((p): ListItem => {
        const key = relativePath(tenant, p)
        return { key, name: lastSegment(key), type: 'folder' }
      })
      return {
        folder: relativePath(tenant, prefix),
        items: [...files, ...folders],
        next_cursor: page.nextCursor ? encodeCursor(prefix, page.nextCursor) : null,
      }
    },

    async remove(tenant: string, path: string) {
      const info = await headFile(tenant, path, '/*')
      const result = await store.delete([info.key])
      if (result.errors.length > 0)
        throw new Error(`delete ${info.key}: ${result.errors[0]?.message}`)
      return { key: relativePath(tenant, info.key) }
    },

    /** Deletes up to 1000 files; absent ones count as deleted, as in S3. */
    async removeMany(tenant: string, paths: string[], log: { warn(o: object, m: string): void }) {
      const keys = paths.map((p, i) => resolvePath(tenant, p, 'file', `/paths/${i}`))
      const result = await store.delete([...new Set(keys)])
      if (result.errors.length > 0) log.warn({ errors: result.errors }, 'some files not deleted')
      return {
        deleted: result.deleted.map((key) => relativePath(tenant, key)),
        errors: result.errors.map((e) => ({
          key: relativePath(tenant, e.key),
          message: 'The file could not be deleted',
        })),
      }
    },

    async createFolder(tenant: string, path: string) {
      const prefix = resolvePath(tenant, path, 'folder', '/path')
      await store.put(prefix, '')
      return { key: relativePath(tenant, prefix) }
    },

    /** Deletes every key under the folder, however many, a page of 1000 at a time. */
    async removeFolder(tenant: string, path: string) {
      const prefix = resolvePath(tenant, path, 'folder', '/path')
      let deleted = 0
      let cursor: string | undefined
      do {
        const page = await store.list({ prefix, limit: DELETE_BATCH, cursor })
        const keys = page.objects.map((o) => o.key)
        if (keys.length > 0) {
          const result = await store.delete(keys)
          if (result.errors.length > 0) {
            throw new Error(`delete under ${prefix}: ${result.errors[0]?.message}`)
          }
          deleted += result.deleted.length
        }
        cursor = page.nextCursor
      } while (cursor)
      return { deleted }
    },

    /**
     * Copies a file within the tenant's tree; with `move`, deletes the source once the copy is
     * stored. 409 when the destination exists unless `overwrite`.
     */
    async transfer(
      tenant: string,
      input: { source: string; destination: string; overwrite?: boolean },
      move: boolean,
    ) {
      const source = resolvePath(tenant, input.source, 'file', '/source')
      const destination = resolvePath(tenant, input.destination, 'file', '/destination')
      if (source === destination) {
        throw unprocessable('The source and the destination are the same file', [
          { path: '/destination', message: 'is the source' },
        ])
      }
      try {
        await store.copy(source, destination, input.overwrite ? {} : { ifNoneMatch: '*' })
      } catch (error) {
        if (isNotFound(error)) throw notFound('Source file not found')
        if (isCloudError(error, 'PreconditionFailed')) {
          throw conflict('Destination already exists; send "overwrite": true to replace it')
        }
        throw error
      }
      if (move) {
        const result = await store.delete([source])
        if (result.errors.length > 0)
          throw new Error(`delete ${source}: ${result.errors[0]?.message}`)
      }
      return { source: input.source, destination: input.destination }
    },

    async presignGet(tenant: string, path: string, expiresIn: number) {
      const info = await headFile(tenant, path, '/*')
      const url = await store.presignGet(info.key, expiresIn)
      return { url, expires_in: expiresIn }
    },

    async presignPost(tenant: string, path: string, expiresIn: number, maxBytes: number) {
      const key = resolvePath(tenant, path, 'file', '/path')
      const post = await store.presignPost(key, { expiresInSeconds: expiresIn, maxBytes })
      return { url: post.url, fields: post.fields, expires_in: expiresIn }
    },
  }
}

export type Files = ReturnType<typeof createFiles>

function fileItem(tenant: string, object: ObjectInfo): ListItem {
  const key = relativePath(tenant, object.key)
  return {
    key,
    name: lastSegment(key),
    type: 'file',
    size: object.size,
    last_modified: object.lastModified.toISOString(),
    etag: object.etag,
  }
}
