import { resolve } from 'node:path'

export const LOCAL_SCHEME = 'file://'

export function isLocalUrl(setting: string): boolean {
  return setting.startsWith(LOCAL_SCHEME)
}

/**
 * Splits a `file://<dir>[?k=v…]` setting into an absolute path and its query options.
 * `file://.data/q` is relative to the working directory; `file:///var/q` is absolute.
 */
export function parseLocalUrl(setting: string): { path: string; params: URLSearchParams } {
  const rest = setting.slice(LOCAL_SCHEME.length)
  const q = rest.indexOf('?')
  const path = q === -1 ? rest : rest.slice(0, q)
  const params = new URLSearchParams(q === -1 ? '' : rest.slice(q + 1))
  if (path === '') throw new Error(`${setting}: a file:// setting needs a path`)
  return { path: resolve(decodeURIComponent(path)), params }
}
