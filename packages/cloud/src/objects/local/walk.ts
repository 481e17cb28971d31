/**
 * Walks a bucket directory in S3's key order. A file is the key of its relative path; a
 * directory stands for the keys that start with `<its path>/`, among them its folder marker.
 */
import type { Dirent } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { checkKey, compareKeys, pathProblem, RESERVED } from './keys.ts'

interface Entry {
  path: string
  /** The key (file) or the key prefix ending in `/` (directory) this entry stands for. */
  key: string
  dir: boolean
  bytes: Buffer
}

/** A name that is a key as it stands; other files (`a\b`, over-long names) are not objects. */
function isKey(key: string): boolean {
  try {
    checkKey(key)
    return pathProblem(key) === undefined
  } catch {
    return false
  }
}

async function readLevel(path: string, keyPrefix: string): Promise<Entry[]> {
  let dirents: Dirent[]
  try {
    dirents = await readdir(path, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw error
  }
  const entries: Entry[] = []
  for (const d of dirents) {
    if (keyPrefix === '' && d.name === RESERVED) continue
    const dir = d.isDirectory()
    if (!dir && !d.isFile()) continue
    const key = `${keyPrefix}${d.name}${dir ? '/' : ''}`
    if (isKey(key)) entries.push({ path: join(path, d.name), key, dir, bytes: Buffer.from(key) })
  }
  // A directory's keys all start with `name/` and a file name holds no `/`, so sorting the
  // entries by these strings orders every key below them.
  return entries.sort((a, b) => Buffer.compare(a.bytes, b.bytes))
}

/** What a walk yields. `skip` may be changed between steps to prune the keys under a prefix. */
export interface WalkScope {
  prefix: string
  /** Yield only keys after this one ('' for all). */
  after: string
  skip?: string
}

function mayHold(group: string, scope: WalkScope): boolean {
  if (!group.startsWith(scope.prefix) && !scope.prefix.startsWith(group)) return false
  if (scope.skip !== undefined && group.startsWith(scope.skip)) return false
  // Every key below `group` sorts before `after` unless `after` itself lies below or past it.
  return scope.after === '' || scope.after.startsWith(group) || compareKeys(group, scope.after) > 0
}

function wanted(key: string, scope: WalkScope): boolean {
  if (!key.startsWith(scope.prefix)) return false
  if (scope.skip !== undefined && key.startsWith(scope.skip)) return false
  return scope.after === '' || compareKeys(key, scope.after) > 0
}

/**
 * Yields every key in `scope` in S3 key order, reading lazily: each file, and each directory
 * for which `isMarker` says it is a folder marker (its key, ending in `/`, comes before the keys
 * inside it).
 */
export async function* walkKeys(
  dir: string,
  scope: WalkScope,
  isMarker: (key: string) => Promise<boolean>,
  keyPrefix = '',
): AsyncGenerator<string> {
  for (const entry of await readLevel(dir, keyPrefix)) {
    if (!entry.dir) {
      if (wanted(entry.key, scope)) yield entry.key
    } else if (mayHold(entry.key, scope)) {
      if (wanted(entry.key, scope) && (await isMarker(entry.key))) yield entry.key
      // The consumer may have skipped this directory's keys on seeing its marker.
      if (mayHold(entry.key, scope)) yield* walkKeys(entry.path, scope, isMarker, entry.key)
    }
  }
}
