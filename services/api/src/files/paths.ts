/**
 * Where a tenant's files live: `tenants/t/{tenant_id}/{path}` for a token with a `tenant_id`,
 * `tenants/u/{sub}/{path}` for one without. The two namespaces never meet, so no claim value (a
 * `sub` equal to some tenant's id) can name another's tree. Every path a client sends goes
 * through `resolvePath`, the one place that decides whether it may become a key; every key a
 * client sees goes back through `relativePath`.
 */
import { badRequest, forbidden } from '@ferry/kit'
import type { Caller } from '../auth.ts'
import { unsafeKeyReason } from '../key-rules.ts'

const ROOT = 'tenants/'
const MAX_KEY_BYTES = 1024
const MAX_TENANT_BYTES = 128

/**
 * The caller's tree: `t/{tenant_id}` when the token has that claim, else `u/{sub}`. 403 when the
 * token names neither, or names one that could not be a single key segment (anything but
 * printable ASCII, a `/`, a backslash, `.` or `..`, or over 128 bytes), so no claim can reach
 * outside its own tree.
 */
export function tenantOf(caller: Caller): string {
  const namespace = caller.tenantId === undefined ? 'u' : 't'
  const claim = caller.tenantId ?? (caller.sub === '' ? undefined : caller.sub)
  if (claim === undefined) throw forbidden('The token names no tenant (tenant_id or sub)')
  const valid =
    typeof claim === 'string' &&
    claim !== '' &&
    claim !== '.' &&
    claim !== '..' &&
    Buffer.byteLength(claim) <= MAX_TENANT_BYTES &&
    /^[\x21-\x7e]+$/.test(claim) &&
    !/[/\\]/.test(claim)
  if (!valid) throw forbidden("The token's tenant is not a valid tenant id")
  return `${namespace}/${claim}`
}

/** `tenants/{t|u}/{id}/`, the prefix of every key of the tree `tenantOf` named. */
export function tenantRoot(tenant: string): string {
  return `${ROOT}${tenant}/`
}

/** What a client path names: a file, a folder, or a folder that may be the tenant's root (''). */
export type PathKind = 'file' | 'folder' | 'folder-or-root'

function pathProblem(path: string, kind: PathKind): string | undefined {
  if (path === '') return kind === 'folder-or-root' ? undefined : 'it is empty'
  const unsafe = unsafeKeyReason(path)
  if (unsafe !== undefined) return unsafe
  if (Buffer.from(path).toString() !== path) return 'it is not valid Unicode'
  const segments = path.split('/')
  // A folder may be written with one trailing slash: `docs/` is the folder `docs`.
  if (kind !== 'file' && segments.at(-1) === '') segments.pop()
  if (segments.some((s) => s === '')) return 'it has an empty segment (//, or a trailing /)'
  return undefined
}

function invalidPath(reason: string, field: string): never {
  throw badRequest('Invalid path', {
    code: 'invalid_path',
    errors: [{ path: field, message: reason }],
  })
}

/**
 * The key a client path names within the tenant's tree: a file's key, or a folder's prefix
 * ending in `/` (the root's is `tenants/{t|u}/{id}/`). 400 "Invalid path" when the path is empty
 * (unless the root is allowed), absolute, holds a backslash or a control character, has an empty,
 * `.` or `..` segment, or makes a key over 1024 bytes. `field` locates the path in the request
 * for the problem's `errors`.
 */
export function resolvePath(tenant: string, path: string, kind: PathKind, field: string): string {
  const problem = pathProblem(path, kind)
  if (problem !== undefined) invalidPath(problem, field)
  let key = `${tenantRoot(tenant)}${path}`
  if (kind !== 'file' && path !== '' && !key.endsWith('/')) key += '/'
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    invalidPath(`the key would be longer than ${MAX_KEY_BYTES} bytes`, field)
  }
  return key
}

/** A key of the tenant's tree as the client names it (without `tenants/{t|u}/{id}/`). */
export function relativePath(tenant: string, key: string): string {
  const root = tenantRoot(tenant)
  if (!key.startsWith(root)) throw new Error(`${key} is outside ${root}`)
  return key.slice(root.length)
}

/** The last segment of a path: a file's name, or a folder's without its `/`. */
export function lastSegment(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path
  return trimmed.slice(trimmed.lastIndexOf('/') + 1)
}
