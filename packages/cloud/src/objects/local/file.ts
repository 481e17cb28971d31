/**
 * The local store's file plumbing: temporary files under `.ferry/tmp/` that become an object by
 * one `rename`, lock files under `.ferry/locks/`, and the mapping of filesystem errors.
 */
import { createHash, randomUUID } from 'node:crypto'
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { CloudDependency, CloudError } from '../../errors.ts'
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
    return new CloudError('Unavailable', message, {
      cause: error,
      dependency: CloudDependency.bucket,
    })
  }
  return new CloudError('Unknown', message, { cause: error })
}

/** Nothing is there: the path, or one of its folders, is missing or is a file. */
export const isMissing = (error: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')

/** A file's identity: a rename keeps it, any write or replacement changes it. */
export function fileId(stats: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeNs}`
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

export interface TempFile {
  path: string
  /** Quoted md5 hex, as S3 gives for a single-part upload. */
  etag: string
  size: number
  /** `fileId` of the finished file, which the rename into place keeps. */
  id: string
}

/** Temporary names start with the writer's pid, so a sweep can tell a crashed writer's files. */
const tempName = () => `${process.pid}-${randomUUID()}`

/**
 * Writes `body` to a new temporary file in `tmpDir`. Removes the file if the body fails or its
 * length is not `contentLength`; a body error becomes InvalidArgument with it as `cause`.
 */
export async function writeTemp(
  tmpDir: string,
  body: Buffer | string | Readable,
  contentLength?: number,
): Promise<TempFile> {
  await mkdir(tmpDir, { recursive: true })
  const path = join(tmpDir, tempName())
  const fh = await open(path, 'wx')
  try {
    const md5 = createHash('md5')
    let size = 0
    for await (const bytes of chunks(body)) {
      md5.update(bytes)
      size += bytes.length
      await fh.write(bytes)
    }
    if (contentLength !== undefined && contentLength !== size) {
      throw new CloudError(
        'InvalidArgument',
        `body is ${size} bytes, contentLength says ${contentLength}`,
      )
    }
    await fh.close()
    const id = fileId(await stat(path, { bigint: true }))
    return { path, etag: `"${md5.digest('hex')}"`, size, id }
  } catch (error) {
    await fh.close().catch(() => undefined)
    await unlink(path).catch(() => undefined)
    throw error
  }
}

/** The quoted md5 of an open file's first `size` bytes. */
export async function md5Of(fh: FileHandle, size: number): Promise<string> {
  const md5 = createHash('md5')
  const buffer = Buffer.alloc(Math.min(size, 1024 * 1024))
  for (let at = 0; at < size; ) {
    const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, size - at), at)
    if (bytesRead === 0) break
    md5.update(buffer.subarray(0, bytesRead))
    at += bytesRead
  }
  return `"${md5.digest('hex')}"`
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const SWEEP_AGE_MS = 60 * 60 * 1000

/**
 * Removes the temporary files a crashed writer left: those of a process that no longer runs,
 * and any untouched for an hour (a pid may have been reused).
 */
export async function sweepTemp(tmpDir: string): Promise<void> {
  const names = await readdir(tmpDir).catch(() => [])
  for (const name of names) {
    const path = join(tmpDir, name)
    const pid = Number(name.slice(0, name.indexOf('-')))
    const info = await stat(path).catch(() => undefined)
    if (!info) continue
    if (
      !(Number.isInteger(pid) && pid > 0 && alive(pid)) ||
      Date.now() - info.mtimeMs > SWEEP_AGE_MS
    )
      await unlink(path).catch(() => undefined)
  }
}

/** Moves `from` to `to`, making `to`'s directories (again, if a delete pruned them meanwhile). */
export async function renameInto(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw error
      await mkdir(dirname(to), { recursive: true })
    }
  }
}

const LOCK_STALE_MS = 10_000
const LOCK_WAIT_MS = 10_000

/**
 * Runs `fn` holding an exclusive lock file (created with `wx`, so it excludes other processes on
 * the machine too). The lock is held only around a stat, a sidecar write and a rename, so one older than
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
    if (Date.now() > deadline)
      throw new CloudError('Unavailable', `${lockPath} stays locked`, {
        dependency: CloudDependency.bucket,
      })
    await new Promise((resolve) => setTimeout(resolve, delay * Math.random()))
  }
  try {
    return await fn()
  } finally {
    await unlink(lockPath).catch(() => undefined)
  }
}
