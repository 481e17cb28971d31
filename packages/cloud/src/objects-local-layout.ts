/**
 * Where the local object store keeps a key, and how it lists keys in S3's order.
 *
 * `<root>/objects/` mirrors a key's `/`-separated segments: every segment but the last is a
 * directory, the last is a FILE whose name ends in `%`. Within a name `%` is written `%25`, so
 * only file names end in a bare `%` and a directory name never equals a file name. Keys `a`,
 * `a/` and `a/b` coexist as `a%`, `a/%` and `a/b%`; an empty inner segment (`a//b`) is the
 * directory `%2F` (never produced by escaping, as a segment holds no `/`). Metadata lives inside
 * the object file (see objects-local-file.ts), temporary files in `<root>/tmp/` and locks in
 * `<root>/locks/`: nothing but objects is ever under `objects/`, so no key can collide with them.
 */
import type { Dirent } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { CloudError } from './errors.ts'

const EMPTY_DIR = '%2F'
const MAX_KEY_BYTES = 1024
const MAX_NAME_BYTES = 255

const escapeName = (segment: string) => segment.replaceAll('%', '%25')
const unescapeName = (name: string) => name.replaceAll('%25', '%')
const dirName = (segment: string) => (segment === '' ? EMPTY_DIR : escapeName(segment))
const fileName = (segment: string) => `${escapeName(segment)}%`

/** Byte order of the UTF-8 encodings, which is S3's key order (JS `<` compares UTF-16). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * Throws InvalidArgument for a key that is empty, longer than S3 allows, absolute, holds a NUL or
 * backslash, has a `.` or `..` segment (a URL would normalise it away), or a segment too long
 * for a file name.
 */
export function checkKey(key: string): void {
  const bad = (why: string) =>
    new CloudError('InvalidArgument', `invalid key ${JSON.stringify(key)}: ${why}`)
  if (typeof key !== 'string' || key === '') throw bad('empty')
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw bad(`longer than ${MAX_KEY_BYTES} bytes`)
  if (key.startsWith('/')) throw bad('absolute')
  if (key.includes('\0') || key.includes('\\')) throw bad('NUL or backslash')
  const segments = key.split('/')
  for (const [i, segment] of segments.entries()) {
    if (segment === '.' || segment === '..') throw bad('`.` or `..` segment')
    const name = i === segments.length - 1 ? fileName(segment) : dirName(segment)
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw bad('a segment is too long for a file name')
  }
}

/** The file that holds `key` (already checked) under `objectsDir`. */
export function keyPath(objectsDir: string, key: string): string {
  const segments = key.split('/')
  const last = segments.pop() ?? ''
  return join(objectsDir, ...segments.map(dirName), fileName(last))
}

interface Entry {
  path: string
  /** The key (file) or the key prefix ending in `/` (directory) this entry stands for. */
  key: string
  dir: boolean
  bytes: Buffer
}

function entry(path: string, key: string, dir: boolean): Entry {
  return { path, key, dir, bytes: Buffer.from(key) }
}

async function readLevel(path: string, keyPrefix: string): Promise<Entry[]> {
  let dirents: Dirent[]
  try {
    dirents = await readdir(path, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const entries: Entry[] = []
  for (const d of dirents) {
    const child = join(path, d.name)
    if (d.name.endsWith('%')) {
      if (d.isFile())
        entries.push(entry(child, keyPrefix + unescapeName(d.name.slice(0, -1)), false))
    } else if (d.isDirectory()) {
      const segment = d.name === EMPTY_DIR ? '' : unescapeName(d.name)
      entries.push(entry(child, `${keyPrefix}${segment}/`, true))
    }
  }
  // A directory's keys all start with `segment/`, and no file name at this level holds a `/`,
  // so sorting the entries by these strings orders every key below them.
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

/** Yields `[key, path]` of every stored object in `scope`, in S3 key order, reading lazily. */
export async function* walkKeys(
  dir: string,
  scope: WalkScope,
  keyPrefix = '',
): AsyncGenerator<[string, string]> {
  for (const entry of await readLevel(dir, keyPrefix)) {
    if (entry.dir) {
      if (mayHold(entry.key, scope)) yield* walkKeys(entry.path, scope, entry.key)
    } else if (wanted(entry.key, scope)) {
      yield [entry.key, entry.path]
    }
  }
}
