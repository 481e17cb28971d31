/**
 * Which keys a local bucket accepts. The object `a/b.json` is the file `<root>/a/b.json`, so a key
 * must be a relative path the filesystem keeps as given: no `.`/`..` segment (a path would
 * normalise it away), no empty segment (`a//b` would read `a/b`), no segment over 255 bytes. A
 * key ending in `/` is a folder marker: an empty object kept as the directory itself. `.ferry/`
 * holds the store's own files and is no key's.
 */
import { CloudError } from '../../errors.ts'

export const RESERVED = '.ferry'
const MAX_KEY_BYTES = 1024
const MAX_NAME_BYTES = 255

/** Byte order of the UTF-8 encodings, which is S3's key order (JS `<` compares UTF-16). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

export const isFolderKey = (key: string) => key.endsWith('/')

/** The error for a key S3 could hold but a directory cannot. */
export function unstorableError(key: string, why: string): CloudError {
  const problem = `key ${JSON.stringify(key)} cannot be stored in a local bucket: ${why}`
  return new CloudError('InvalidArgument', problem, { keyProblem: problem })
}

/**
 * Throws InvalidArgument for a key no operation accepts: empty, longer than S3 allows, absolute,
 * holding a NUL or backslash, with a `.` or `..` segment, or inside `.ferry/`.
 */
export function checkKey(key: string): void {
  const bad = (why: string) => {
    const problem = `invalid key ${JSON.stringify(key)}: ${why}`
    return new CloudError('InvalidArgument', problem, { keyProblem: problem })
  }
  if (typeof key !== 'string' || key === '') throw bad('empty')
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw bad(`longer than ${MAX_KEY_BYTES} bytes`)
  if (key.startsWith('/')) throw bad('absolute')
  if (key.includes('\0') || key.includes('\\')) throw bad('NUL or backslash')
  if (key.split('/').some((s) => s === '.' || s === '..')) {
    throw unstorableError(key, 'a `.` or `..` segment would leave its folder')
  }
  if (key === RESERVED || key.startsWith(`${RESERVED}/`)) {
    throw bad(`${RESERVED}/ holds the local bucket's own files`)
  }
}

/**
 * Why a valid key has no path in a directory (an empty segment, a segment too long for a file
 * name), or undefined. Such an object cannot exist here: reads find nothing, writes fail.
 */
export function pathProblem(key: string): string | undefined {
  const segments = key.split('/')
  if (isFolderKey(key)) segments.pop()
  if (segments.some((s) => s === '')) return 'it has an empty segment (`//`)'
  const long = segments.find((s) => Buffer.byteLength(s) > MAX_NAME_BYTES)
  if (long !== undefined) {
    return `the segment ${JSON.stringify(`${long.slice(0, 16)}…`)} is over ${MAX_NAME_BYTES} bytes`
  }
  return undefined
}
