/**
 * The local store's drop folder: a file a person copies into `<root>/inbox/<path>` becomes the
 * object `<path>` the next time the store is listed, as an upload would make it, and leaves the
 * inbox. Objects themselves live in the store's own layout (body and metadata in one file), so
 * this is how "drop a file into .data/…" works on the embedded default.
 */
import { createReadStream, type Dirent } from 'node:fs'
import { readdir, stat, unlink } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import type { ObjectStore } from './objects.ts'

/** A file still being copied must sit unchanged this long before it is adopted. */
const SETTLE_MS = 500

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
}

async function files(dir: string): Promise<string[]> {
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
  const nested = await Promise.all(
    entries.map(async (e) => {
      const path = join(dir, e.name)
      if (e.isDirectory()) return files(path)
      return e.isFile() ? [path] : []
    }),
  )
  return nested.flat()
}

/**
 * Moves every settled file of `inbox` into the store through `put`. A file whose name is not a
 * valid key stays where it is; two processes adopting at once both write the same bytes.
 */
export async function adoptInbox(
  inbox: string,
  put: ObjectStore['put'],
  now = Date.now(),
): Promise<string[]> {
  const adopted: string[] = []
  for (const path of await files(inbox)) {
    const info = await stat(path).catch(() => undefined)
    if (!info || now - info.mtimeMs < SETTLE_MS) continue
    const key = relative(inbox, path).split(sep).join('/')
    const contentType = CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream'
    try {
      await put(key, createReadStream(path), {
        contentType,
        contentLength: info.size,
      })
    } catch {
      continue
    }
    await unlink(path).catch(() => undefined)
    adopted.push(key)
  }
  return adopted
}
