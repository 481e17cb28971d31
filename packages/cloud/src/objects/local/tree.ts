/**
 * The state of one bucket directory: which object a key names now, and the locked steps that
 * change it. Every mutation of a key holds that key's lock file, so conditional writes are safe
 * against writers in other processes on the same machine; readers never wait for a lock.
 */
import { createHash } from 'node:crypto'
import { type FileHandle, mkdir, open, readdir, rmdir, stat, unlink } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { CloudError } from '../../errors.ts'
import type { ObjectInfo, PutOptions } from '../store.ts'
import { fileId, isMissing, md5Of, renameInto, type TempFile, withLock } from './file.ts'
import { isFolderKey, RESERVED, unstorableError } from './keys.ts'
import { guessType, openSidecars, toInfo, type Version } from './meta.ts'

const noop = () => undefined
const stripQuotes = (etag: string) => etag.replaceAll('"', '')
const code = (error: unknown) => (error as NodeJS.ErrnoException).code ?? ''
const NO_PATH = new Set(['EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY'])

interface Current {
  info: ObjectInfo
  version: Version
  /** False for a file nobody described yet: its version was just made from its bytes. */
  recorded: boolean
}

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

export function openTree(root: string) {
  const own = join(root, RESERVED)
  const tmpDir = join(own, 'tmp')
  const sidecars = openSidecars(join(own, 'meta'), tmpDir)
  const lockOf = (key: string) => join(own, 'locks', createHash('sha256').update(key).digest('hex'))
  const pathOf = (key: string) => join(root, key)

  const folderAt = async (key: string): Promise<Current | undefined> => {
    const stats = await stat(pathOf(key), { bigint: true }).catch(noop)
    if (!stats?.isDirectory()) return undefined
    const version = (await sidecars.read(key)).find((v) => v.id === `dir:${stats.ino}`)
    if (!version) return undefined
    return { info: toInfo(key, 0, 0, version), version, recorded: true }
  }

  const fileIn = async (key: string, fh: FileHandle): Promise<Current | undefined> => {
    const stats = await fh.stat({ bigint: true })
    if (!stats.isFile()) return undefined
    const id = fileId(stats)
    const size = Number(stats.size)
    const found = (await sidecars.read(key)).find((v) => v.id === id)
    const version = found ?? {
      id,
      etag: await md5Of(fh, size),
      contentType: guessType(key),
      metadata: {},
    }
    const modified = Number(stats.mtimeNs / 1_000_000n)
    return { info: toInfo(key, size, modified, version), version, recorded: found !== undefined }
  }

  /** Records the version made for a file nobody described, if that file is still there. */
  const remember = (key: string, version: Version) =>
    withLock(lockOf(key), async () => {
      const stats = await stat(pathOf(key), { bigint: true }).catch(noop)
      if (stats && fileId(stats) === version.id) await sidecars.write(key, [version])
    }).catch(noop)

  /** Why `key` has no path here although each segment would fit: a file or folder is in the way. */
  const conflict = async (key: string): Promise<CloudError> => {
    const segments = key.split('/')
    for (let i = 1; i < segments.length; i++) {
      const above = segments.slice(0, i).join('/')
      const stats = await stat(pathOf(above)).catch(noop)
      if (stats && !stats.isDirectory()) {
        return unstorableError(key, `the object ${JSON.stringify(above)} is in the way`)
      }
    }
    const stats = await stat(pathOf(key)).catch(noop)
    if (stats?.isDirectory() && !isFolderKey(key)) {
      return unstorableError(key, `other keys start with ${JSON.stringify(`${key}/`)}`)
    }
    return unstorableError(key, 'its path is taken')
  }

  const orConflict = async <T>(key: string, step: () => Promise<T>): Promise<T> => {
    try {
      return await step()
    } catch (error) {
      throw NO_PATH.has(code(error)) ? await conflict(key) : error
    }
  }

  /** The file of `key` opened for reading, or undefined when no file is there. */
  const openFile = async (key: string): Promise<FileHandle | undefined> => {
    try {
      return await open(pathOf(key), 'r')
    } catch (error) {
      if (isMissing(error) || code(error) === 'EISDIR') return undefined
      throw error
    }
  }

  /** The object at `key` now; `record` keeps the version made for a file nobody described. */
  const current = async (key: string, record = true): Promise<Current | undefined> => {
    if (isFolderKey(key)) return folderAt(key)
    const fh = await openFile(key)
    if (!fh) return undefined
    try {
      const found = await fileIn(key, fh)
      if (record && found && !found.recorded) await remember(key, found.version)
      return found
    } finally {
      await fh.close()
    }
  }

  /** The recorded version of the file at `key` now, without reading the file. */
  const recorded = async (key: string): Promise<Version[]> => {
    const stats = await stat(pathOf(key), { bigint: true }).catch(noop)
    if (!stats?.isFile()) return []
    return (await sidecars.read(key)).filter((v) => v.id === fileId(stats))
  }

  const commitFolder = async (key: string, version: Version, conditions: PutOptions) => {
    checkConditions(key, (await folderAt(key))?.info, conditions)
    const path = pathOf(key)
    await orConflict(key, () => mkdir(path, { recursive: true }))
    const { ino } = await stat(path, { bigint: true })
    await sidecars.write(key, [{ ...version, id: `dir:${ino}`, created: Date.now() }])
  }

  const commitFile = async (key: string, version: Version, from: string, when: PutOptions) => {
    let kept: Version[]
    if (when.ifNoneMatch !== undefined || when.ifMatch !== undefined) {
      const now = await current(key, false)
      checkConditions(key, now?.info, when)
      kept = now?.recorded ? [now.version] : []
    } else kept = await recorded(key)
    // The current file's version stays for readers that opened it before the rename.
    await sidecars.write(key, [version, ...kept])
    await orConflict(key, () => renameInto(from, pathOf(key)))
  }

  /** Removes `dir` and the folders above it while they are empty and not folder markers. */
  const prune = async (dir: string): Promise<void> => {
    for (let d = dir; d.startsWith(root + sep); d = dirname(d)) {
      if ((await readdir(d).catch(() => [''])).length > 0) return
      const folder = `${relative(root, d).split(sep).join('/')}/`
      const removed = await withLock(lockOf(folder), async () => {
        if (await folderAt(folder)) return false
        return rmdir(d).then(
          () => true,
          () => false,
        )
      })
      if (!removed) return
    }
  }

  return {
    tmpDir,
    pathOf,
    folderAt,
    fileIn,
    remember,
    openFile,
    current,

    /**
     * Makes the finished temporary file the object at `key` if the conditions hold at that
     * moment; a folder key becomes its directory (the body must be empty). Removes the
     * temporary file whatever happens.
     */
    async commit(
      tmp: TempFile,
      key: string,
      conditions: PutOptions,
      meta: Pick<Version, 'contentType' | 'metadata'>,
    ): Promise<void> {
      const version: Version = { id: tmp.id, etag: tmp.etag, ...meta }
      try {
        if (isFolderKey(key) && tmp.size > 0) {
          throw unstorableError(key, 'a key ending in / is a folder, which holds no bytes')
        }
        await withLock(lockOf(key), () =>
          isFolderKey(key)
            ? commitFolder(key, version, conditions)
            : commitFile(key, version, tmp.path, conditions),
        )
      } finally {
        await unlink(tmp.path).catch(noop)
      }
    },

    /** Deletes `key` (absent is fine), then the folders it leaves empty. */
    async remove(key: string): Promise<void> {
      const path = pathOf(key)
      await withLock(lockOf(key), async () => {
        if (isFolderKey(key)) await rmdir(path).catch(noop)
        else
          await unlink(path).catch((e) =>
            isMissing(e) || NO_PATH.has(code(e)) ? 0 : Promise.reject(e),
          )
        await sidecars.remove(key)
      })
      await prune(dirname(path))
    },
  }
}
