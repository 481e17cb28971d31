import { constants } from 'node:fs'
import { access, mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { CloudError } from '../../errors.ts'
import type { ObjectStore, PutOptions } from '../store.ts'
import { meterBody } from '../upload.ts'
import { fsError, sweepTemp, writeTemp } from './file.ts'
import { checkKey, isFolderKey, pathProblem, unstorableError } from './keys.ts'
import { listPage, mapLimit } from './list.ts'
import { type LocalPresignOptions, presignLocalUrl } from './presign.ts'
import { openTree } from './tree.ts'

export { serveLocalPresigned } from './presign.ts'

export interface LocalObjectsOptions {
  /** Where `serveLocalPresigned` is mounted and the HMAC secret; presigning throws without it. */
  presign?: LocalPresignOptions
}

const noop = () => undefined
const absent = (key: string) => new CloudError('NotFound', `${key} does not exist`)
const lowerKeys = (metadata: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]))

function byteRange(size: number, range: { start: number; end?: number } | undefined) {
  if (!range) return { start: 0, end: size - 1 }
  const end = Math.min(range.end ?? size - 1, size - 1)
  if (
    !Number.isInteger(range.start) ||
    range.start < 0 ||
    range.start >= size ||
    end < range.start
  ) {
    throw new CloudError(
      'InvalidArgument',
      `InvalidRange: bytes=${range.start}-${range.end ?? ''} of ${size}`,
    )
  }
  return { start: range.start, end }
}

/** A key that may be written: valid, and with a path in a directory. */
function checkWritable(key: string): void {
  checkKey(key)
  const problem = pathProblem(key)
  if (problem) throw unstorableError(key, problem)
}

/** A key that may be read: valid; false when no object can have it here (so none is there). */
function readable(key: string): boolean {
  checkKey(key)
  return pathProblem(key) === undefined
}

/**
 * A directory as an object store: the object `a/b.json` is the file `<dir>/a/b.json`, holding
 * exactly its bytes; etags, content types and user metadata are kept in `<dir>/.ferry/` (see
 * meta.ts), so any file a person puts in the directory is an object too. A key
 * whose path is taken (`a/b` when the object `a` exists, or `a` when keys start with `a/`) or
 * that a filesystem cannot name fails with InvalidArgument "cannot be stored in a local bucket".
 */
export function openLocalObjects(dir: string, options: LocalObjectsOptions = {}): ObjectStore {
  const root = resolve(dir)
  const tree = openTree(root)
  let swept: Promise<void> | undefined
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      swept ??= sweepTemp(tree.tmpDir)
      await swept
      return await fn()
    } catch (error) {
      throw fsError(error, `${what} in ${root}`)
    }
  }

  const put = async (key: string, body: Buffer | string | Readable, opts: PutOptions) => {
    checkWritable(key)
    const tmp = await writeTemp(tree.tmpDir, body, opts.contentLength)
    const { contentType = 'binary/octet-stream', metadata } = opts
    await tree.commit(tmp, key, opts, { contentType, metadata: lowerKeys(metadata) })
    return { etag: tmp.etag }
  }

  /** The file of `key` with its info, open for reading; NotFound when there is none. */
  const openObject = async (key: string) => {
    if (!readable(key)) throw absent(key)
    if (isFolderKey(key)) {
      const folder = await tree.folderAt(key)
      if (!folder) throw absent(key)
      return { fh: undefined, info: folder.info }
    }
    const fh = await tree.openFile(key)
    if (!fh) throw absent(key)
    try {
      const current = await tree.fileIn(key, fh)
      if (!current) throw absent(key)
      if (!current.recorded) await tree.remember(key, current.version)
      return { fh, info: current.info }
    } catch (error) {
      await fh.close().catch(noop)
      throw error
    }
  }

  const presign = () => {
    if (options.presign) return options.presign
    throw new CloudError(
      'InvalidArgument',
      `local objects in ${root}: presigning needs options.presign`,
    )
  }
  const checkExpiry = (seconds: number) => {
    if (!(seconds > 0))
      throw new CloudError('InvalidArgument', `expiresInSeconds ${seconds} must be positive`)
  }

  const store: ObjectStore = {
    name: root,

    put: (key, body, opts = {}) => guard(`put ${key}`, () => put(key, body, opts)),

    upload: (key, body, opts = {}) =>
      guard(`upload ${key}`, async () => {
        const metered = meterBody(body, opts)
        try {
          const { etag } = await put(key, metered.stream, opts)
          return { etag, size: metered.size() }
        } catch (error) {
          metered.destroy()
          throw metered.failure() ?? error
        }
      }),

    get: (key, opts = {}) =>
      guard(`get ${key}`, async () => {
        const { fh, info } = await openObject(key)
        try {
          const { start, end } = byteRange(info.size, opts.range)
          const size = end - start + 1
          let body: Readable
          if (size === 0 || !fh) {
            await fh?.close()
            body = Readable.from([])
          } else {
            body = fh.createReadStream({ start, end })
          }
          const contentRange = opts.range
            ? { contentRange: `bytes ${start}-${end}/${info.size}` }
            : {}
          return { ...info, size, body, ...contentRange }
        } catch (error) {
          await fh?.close().catch(noop)
          throw error
        }
      }),

    getBuffer: (key) =>
      guard(`get ${key}`, async () => {
        const { fh, info } = await openObject(key)
        try {
          const body = Buffer.alloc(info.size)
          if (fh && info.size > 0) await fh.read(body, 0, info.size, 0)
          return { body, info }
        } finally {
          await fh?.close()
        }
      }),

    head: (key) =>
      guard(`head ${key}`, async () =>
        readable(key) ? (await tree.current(key))?.info : undefined,
      ),

    list: (opts = {}) =>
      guard('list', () =>
        listPage(root, opts, {
          isMarker: async (key) => (await tree.folderAt(key)) !== undefined,
          info: async (key) => (await tree.current(key))?.info,
        }),
      ),

    delete: (keys) =>
      guard('delete', async () => {
        if (keys.length > 1000)
          throw new CloudError('InvalidArgument', 'delete: more than 1000 keys')
        for (const key of keys) checkKey(key)
        const result: { deleted: string[]; errors: { key: string; message: string }[] } = {
          deleted: [],
          errors: [],
        }
        await mapLimit(keys, 16, async (key) => {
          try {
            if (readable(key)) await tree.remove(key)
            result.deleted.push(key)
          } catch (error) {
            result.errors.push({ key, message: fsError(error, `delete ${key}`).message })
          }
        })
        return result
      }),

    copy: (source, destination, opts = {}) =>
      guard(`copy ${source} to ${destination}`, async () => {
        checkWritable(destination)
        const { fh, info } = await openObject(source)
        try {
          const { contentType, metadata } = info
          const body = fh ? fh.createReadStream({ start: 0, autoClose: false }) : ''
          return await put(destination, body, { contentType, metadata, ...opts })
        } finally {
          await fh?.close()
        }
      }),

    presignGet: (key, expiresInSeconds) =>
      guard(`presign GET ${key}`, async () => {
        checkKey(key)
        checkExpiry(expiresInSeconds)
        return presignLocalUrl(presign(), 'GET', key, expiresInSeconds)
      }),

    presignPost: (key, opts) =>
      guard(`presign POST ${key}`, async () => {
        checkWritable(key)
        checkExpiry(opts.expiresInSeconds)
        if (!Number.isInteger(opts.maxBytes) || opts.maxBytes < 0) {
          throw new CloudError(
            'InvalidArgument',
            `maxBytes ${opts.maxBytes} must be a whole number`,
          )
        }
        const url = presignLocalUrl(presign(), 'POST', key, opts.expiresInSeconds, opts.maxBytes)
        return { url, fields: { key } }
      }),

    ping: () =>
      guard('ping', async () => {
        await mkdir(root, { recursive: true })
        await access(root, constants.W_OK)
      }),

    close: async () => undefined,
  }
  return store
}
