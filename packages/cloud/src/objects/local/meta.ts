/**
 * What a local object has besides its bytes (etag, content type, user metadata) lives in a
 * sidecar file `.ferry/meta/<2 hex>/<sha256 of the key>.json`. Hashed names keep every sidecar
 * apart whatever shapes the keys take (`a`, `a.json/x`, the folder marker `a/`).
 *
 * A sidecar lists versions by the identity of the file they describe (inode, size, mtime). A
 * writer adds the new file's version before the rename that makes that file current and keeps
 * the current file's, so a reader finds the version of whichever file it opened. A file with no
 * matching version was put there by someone else (or changed since): its etag is its md5, its
 * content type a guess from its extension, and it has no user metadata.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { ObjectInfo } from '../store.ts'

export interface Version {
  /** `fileId` of a file, or `dir:<inode>` of a folder marker's directory. */
  id: string
  etag: string
  contentType: string
  metadata: Record<string, string>
  /** A folder marker's time of creation (a directory's mtime moves with its children). */
  created?: number
}

interface Sidecar {
  key: string
  versions: Version[]
}

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.ndjson': 'application/x-ndjson',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
}

/** The content type of a file put into the directory by hand. */
export function guessType(key: string): string {
  return TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream'
}

export function toInfo(
  key: string,
  size: number,
  lastModified: number,
  version: Version,
): ObjectInfo {
  return {
    key,
    size,
    etag: version.etag,
    lastModified: new Date(version.created ?? lastModified),
    contentType: version.contentType,
    metadata: { ...version.metadata },
  }
}

/** The sidecars of one store; `tmpDir` must be on the same filesystem as `metaDir`. */
export function openSidecars(metaDir: string, tmpDir: string) {
  const pathOf = (key: string) => {
    const hash = createHash('sha256').update(key).digest('hex')
    return join(metaDir, hash.slice(0, 2), `${hash}.json`)
  }

  return {
    /** The versions recorded for `key`; none when there is no sidecar or it is unreadable. */
    async read(key: string): Promise<Version[]> {
      try {
        const sidecar = JSON.parse(await readFile(pathOf(key), 'utf8')) as Sidecar
        return sidecar.key === key && Array.isArray(sidecar.versions) ? sidecar.versions : []
      } catch {
        return []
      }
    },

    /** Replaces the sidecar of `key` atomically. Callers hold the key's lock. */
    async write(key: string, versions: Version[]): Promise<void> {
      const path = pathOf(key)
      const tmp = join(tmpDir, `${process.pid}-${createHash('md5').update(path).digest('hex')}`)
      await mkdir(tmpDir, { recursive: true })
      await writeFile(tmp, JSON.stringify({ key, versions } satisfies Sidecar))
      try {
        await rename(tmp, path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        await mkdir(join(path, '..'), { recursive: true })
        await rename(tmp, path)
      }
    },

    async remove(key: string): Promise<void> {
      await unlink(pathOf(key)).catch(() => undefined)
    },
  }
}
