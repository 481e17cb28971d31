import { createHash, randomUUID } from 'node:crypto'
import { constants } from 'node:fs'
import { access, copyFile, type FileHandle, mkdir, open, rmdir, unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { CloudError } from './errors.ts'
import type { ObjectInfo, ObjectStore, PutOptions } from './objects.ts'
import {
  fsError,
  isMissing,
  readInfoAt,
  readMeta,
  renameInto,
  touchTemp,
  withLock,
  writeTemp,
} from './objects-local-file.ts'
import { adoptInbox } from './objects-local-inbox.ts'
import { checkKey, keyPath } from './objects-local-layout.ts'
import { listPage, mapLimit } from './objects-local-list.ts'
import { type LocalPresignOptions, presignLocalUrl } from './objects-local-presign.ts'
import { meterBody } from './objects-upload.ts'

export { serveLocalPresigned } from './objects-local-presign.ts'

export interface LocalObjectsOptions {
  /** Where `serveLocalPresigned` is mounted and the HMAC secret; presigning throws without it. */
  presign?: LocalPresignOptions
}

const noop = () => undefined
const stripQuotes = (etag: string) => etag.replaceAll('"', '')

function checkConditions(key: string, current: ObjectInfo | undefined, options: PutOptions) {
  if (options.ifNoneMatch === '*' && current) {
    throw new CloudError('PreconditionFailed', `${key} exists (If-None-Match: *)`)
  }
  if (options.ifMatch !== undefined) {
    if (!current) throw new CloudError('NotFound', `${key} does not exist (If-Match)`)
    if (stripQuotes(current.etag) !== stripQuotes(options.ifMatch)) {
      throw new CloudError(
        'PreconditionFailed',
        `${key} has etag ${current.etag}, not ${options.ifMatch}`,
      )
    }
  }
}

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

/** Removes the directories above `path` up to `top` while they are empty. */
async function pruneDirs(path: string, top: string): Promise<void> {
  for (let d = dirname(path); d !== top && d.startsWith(top); d = dirname(d)) {
    try {
      await rmdir(d)
    } catch {
      return
    }
  }
}

/**
 * A directory as an object store, laid out as objects-local-layout.ts describes. Every
 * mutation of a key holds that key's lock file, so conditional writes are safe against writers
 * in other processes on the same machine; readers never lock.
 */
export function openLocalObjects(dir: string, options: LocalObjectsOptions = {}): ObjectStore {
  const root = resolve(dir)
  const objectsDir = join(root, 'objects')
  const tmpDir = join(root, 'tmp')
  const lockOf = (key: string) =>
    join(root, 'locks', createHash('sha256').update(key).digest('hex'))
  const pathOf = (key: string) => {
    checkKey(key)
    return keyPath(objectsDir, key)
  }
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      throw fsError(error, `${what} in ${root}`)
    }
  }

  /** Moves a finished temporary file to `key` if the conditions hold at that moment. */
  const commit = async (tmp: string, key: string, conditions: PutOptions) => {
    const path = keyPath(objectsDir, key)
    try {
      await withLock(lockOf(key), async () => {
        if (conditions.ifNoneMatch || conditions.ifMatch !== undefined) {
          checkConditions(key, await readInfoAt(path, key), conditions)
        }
        await renameInto(tmp, path)
      })
    } catch (error) {
      await unlink(tmp).catch(noop)
      throw error
    }
  }

  const removeKey = async (key: string) => {
    const path = keyPath(objectsDir, key)
    await withLock(lockOf(key), () =>
      unlink(path).catch((e) => (isMissing(e) ? undefined : Promise.reject(e))),
    )
    await pruneDirs(path, objectsDir)
  }

  const openObject = async (key: string): Promise<{ fh: FileHandle; info: ObjectInfo }> => {
    const fh = await open(pathOf(key), 'r')
    try {
      return { fh, info: await readMeta(fh, key) }
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

    put: (key, body, opts = {}) =>
      guard(`put ${key}`, async () => {
        checkKey(key)
        const { path, etag } = await writeTemp(tmpDir, body, opts)
        await commit(path, key, opts)
        return { etag }
      }),

    upload: (key, body, opts = {}) =>
      guard(`upload ${key}`, async () => {
        const metered = meterBody(body, opts)
        try {
          checkKey(key)
          const { contentType, metadata } = opts
          const { path, etag } = await writeTemp(tmpDir, metered.stream, { contentType, metadata })
          await commit(path, key, {})
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
          if (size === 0) {
            await fh.close()
            body = Readable.from([])
          } else {
            body = fh.createReadStream({ start, end })
          }
          const contentRange = opts.range
            ? { contentRange: `bytes ${start}-${end}/${info.size}` }
            : {}
          return { ...info, size, body, ...contentRange }
        } catch (error) {
          await fh.close().catch(noop)
          throw error
        }
      }),

    getBuffer: (key) =>
      guard(`get ${key}`, async () => {
        const { fh, info } = await openObject(key)
        try {
          const body = Buffer.alloc(info.size)
          if (info.size > 0) await fh.read(body, 0, info.size, 0)
          return { body, info }
        } finally {
          await fh.close()
        }
      }),

    head: (key) => guard(`head ${key}`, () => readInfoAt(pathOf(key), key)),

    list: (opts = {}) =>
      guard('list', async () => {
        await adoptInbox(join(root, 'inbox'), store.put)
        return listPage(objectsDir, opts)
      }),

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
            await removeKey(key)
            result.deleted.push(key)
          } catch (error) {
            result.errors.push({ key, message: fsError(error, `delete ${key}`).message })
          }
        })
        return result
      }),

    copy: (source, destination, opts = {}) =>
      guard(`copy ${source} to ${destination}`, async () => {
        const from = pathOf(source)
        checkKey(destination)
        await mkdir(tmpDir, { recursive: true })
        const tmp = join(tmpDir, randomUUID())
        await copyFile(from, tmp)
        let etag: string
        try {
          etag = (await touchTemp(tmp, destination)).etag
        } catch (error) {
          await unlink(tmp).catch(noop)
          throw error
        }
        await commit(tmp, destination, { ifNoneMatch: opts.ifNoneMatch })
        return { etag }
      }),

    presignGet: (key, expiresInSeconds) =>
      guard(`presign GET ${key}`, async () => {
        checkKey(key)
        checkExpiry(expiresInSeconds)
        return presignLocalUrl(presign(), 'GET', key, expiresInSeconds)
      }),

    presignPost: (key, opts) =>
      guard(`presign POST ${key}`, async () => {
        checkKey(key)
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
        await mkdir(objectsDir, { recursive: true })
        await access(root, constants.W_OK)
      }),

    close: async () => undefined,
  }
  return store
}
