/**
 * One local object is one file: the body's bytes, then its metadata as JSON, then an 8-byte
 * footer (the JSON's length as uint32 BE, then `FRY1`). Body and metadata change together in one
 * `rename`, so a reader sees the old object or the new one whole, and there is no second file
 * that could collide with a key or drift from the body.
 */
import { createHash, randomUUID } from 'node:crypto'
import { type FileHandle, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { CloudError } from './errors.ts'
import type { ObjectInfo, PutOptions } from './objects.ts'

const MAGIC = Buffer.from('FRY1')
const FOOTER = 8

export interface StoredMeta {
  etag: string
  /** Milliseconds since the epoch. */
  lastModified: number
  contentType: string
  metadata: Record<string, string>
}

/** Maps a filesystem error to a CloudError (ENOENT → NotFound). */
export function fsError(error: unknown, what: string): CloudError {
  if (error instanceof CloudError) return error
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const message = `${what}: ${code || (error as Error).message}`
  if (code === 'ENOENT') return new CloudError('NotFound', message, { cause: error })
  if (code === 'EACCES' || code === 'EPERM')
    return new CloudError('AccessDenied', message, { cause: error })
  if (code === 'ENAMETOOLONG') return new CloudError('InvalidArgument', message, { cause: error })
  if (['ENOSPC', 'EMFILE', 'ENFILE', 'EIO', 'EBUSY', 'EAGAIN'].includes(code)) {
    return new CloudError('Unavailable', message, { cause: error })
  }
  return new CloudError('Unknown', message, { cause: error })
}

export const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT'

function footer(meta: StoredMeta): Buffer {
  const json = Buffer.from(JSON.stringify(meta))
  const length = Buffer.alloc(4)
  length.writeUInt32BE(json.length)
  return Buffer.concat([json, length, MAGIC])
}

/** Reads the metadata of an open object file; `size` is the body's length. */
export async function readMeta(fh: FileHandle, key: string): Promise<ObjectInfo> {
  const { size: fileSize } = await fh.stat()
  const tail = Buffer.alloc(FOOTER)
  if (fileSize < FOOTER) throw new CloudError('Unknown', `local object ${key} is corrupt`)
  await fh.read(tail, 0, FOOTER, fileSize - FOOTER)
  const jsonLength = tail.readUInt32BE(0)
  const size = fileSize - FOOTER - jsonLength
  if (!tail.subarray(4).equals(MAGIC) || size < 0) {
    throw new CloudError('Unknown', `local object ${key} is corrupt`)
  }
  const json = Buffer.alloc(jsonLength)
  await fh.read(json, 0, jsonLength, size)
  const meta = JSON.parse(json.toString()) as StoredMeta
  return {
    key,
    size,
    etag: meta.etag,
    lastModified: new Date(meta.lastModified),
    contentType: meta.contentType,
    metadata: meta.metadata,
  }
}

/** The object's info, or undefined when the file does not exist. */
export async function readInfoAt(path: string, key: string): Promise<ObjectInfo | undefined> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
  try {
    return await readMeta(fh, key)
  } finally {
    await fh.close()
  }
}

async function* chunks(body: Buffer | string | Readable): AsyncGenerator<Buffer> {
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    yield typeof body === 'string' ? Buffer.from(body) : body
    return
  }
  try {
    for await (const chunk of body) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
  } catch (error) {
    if (error instanceof CloudError) throw error
    throw new CloudError('InvalidArgument', 'reading the object body failed', { cause: error })
  }
}

/**
 * Writes a complete object file (body + metadata) to a new temporary file in `tmpDir` and returns
 * its path and etag (quoted md5 hex, as S3 gives for a single-part upload). Removes the file if
 * the body fails. A body error becomes InvalidArgument with the original error as `cause`.
 */
export async function writeTemp(
  tmpDir: string,
  body: Buffer | string | Readable,
  options: PutOptions,
): Promise<{ path: string; etag: string }> {
  await mkdir(tmpDir, { recursive: true })
  const path = join(tmpDir, randomUUID())
  const fh = await open(path, 'wx')
  try {
    const md5 = createHash('md5')
    let size = 0
    for await (const bytes of chunks(body)) {
      md5.update(bytes)
      size += bytes.length
      await fh.write(bytes)
    }
    if (options.contentLength !== undefined && options.contentLength !== size) {
      throw new CloudError(
        'InvalidArgument',
        `body is ${size} bytes, contentLength says ${options.contentLength}`,
      )
    }
    const etag = `"${md5.digest('hex')}"`
    const metadata = Object.fromEntries(
      Object.entries(options.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    )
    const contentType = options.contentType ?? 'binary/octet-stream'
    await fh.write(footer({ etag, lastModified: Date.now(), contentType, metadata }))
    await fh.close()
    return { path, etag }
  } catch (error) {
    await fh.close().catch(() => undefined)
    await unlink(path).catch(() => undefined)
    throw error
  }
}

/** Rewrites the metadata of a temporary object file with a new lastModified (for copies). */
export async function touchTemp(path: string, key: string): Promise<ObjectInfo> {
  const fh = await open(path, 'r+')
  try {
    const info = await readMeta(fh, key)
    const meta = {
      etag: info.etag,
      lastModified: Date.now(),
      contentType: info.contentType ?? 'binary/octet-stream',
      metadata: info.metadata,
    }
    await fh.truncate(info.size)
    await fh.write(footer(meta), 0, undefined, info.size)
    return info
  } finally {
    await fh.close()
  }
}

/** Moves `from` to `to`, making `to`'s directories (again, if a delete pruned them meanwhile). */
export async function renameInto(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to)
      return
    } catch (error) {
      if (!isMissing(error) || attempt >= 5) throw error
      await mkdir(dirname(to), { recursive: true })
    }
  }
}

const LOCK_STALE_MS = 10_000
const LOCK_WAIT_MS = 10_000

/**
 * Runs `fn` holding an exclusive lock file (created with `wx`, so it excludes other processes on
 * the machine too). The lock is held only around a stat and a rename, so one older than
 * LOCK_STALE_MS was left by a crashed process and is removed. Two processes removing the same
 * stale lock at once could both go ahead: accepted, as it needs a crash and a race together.
 */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true })
  const deadline = Date.now() + LOCK_WAIT_MS
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      await (await open(lockPath, 'wx')).close()
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const held = await stat(lockPath).catch(() => undefined)
    if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) {
      await unlink(lockPath).catch(() => undefined)
      continue
    }
    if (Date.now() > deadline) throw new CloudError('Unavailable', `${lockPath} stays locked`)
    await new Promise((resolve) => setTimeout(resolve, delay * Math.random()))
  }
  try {
    return await fn()
  } finally {
    await unlink(lockPath).catch(() => undefined)
  }
}
