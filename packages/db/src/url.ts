import { resolve } from 'node:path'

/** Where a database URL points. */
export type DatabaseLocation =
  | { kind: 'postgres'; url: string; searchPath: string | undefined; description: string }
  | { kind: 'pglite'; dataDir: string | undefined; description: string }

/**
 * Reads a database URL.
 *
 * - `postgres://…` / `postgresql://…`: a PostgreSQL server. A `search_path` query parameter
 *   (`?search_path=test_ab12`, comma-separated for several schemas) sets the connection's
 *   search_path and is removed from the URL handed to postgres.js.
 * - `pglite://memory`: an in-memory PGlite.
 * - `pglite://<dir>`: a PGlite persisted in `<dir>`, relative to the working directory;
 *   `pglite:///abs/dir` for an absolute one.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('pglite://')) return parsePglite(url.slice('pglite://'.length))
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return parsePostgres(url)
  throw new Error(`unsupported database URL ${describeUrl(url)}: use postgres://… or pglite://…`)
}

function parsePglite(path: string): DatabaseLocation {
  if (path === '') throw new Error('pglite:// needs a directory or `memory`')
  if (path === 'memory')
    return { kind: 'pglite', dataDir: undefined, description: 'pglite://memory' }
  const dataDir = resolve(path)
  return { kind: 'pglite', dataDir, description: `pglite://${dataDir}` }
}

function parsePostgres(raw: string): DatabaseLocation {
  const url = new URL(raw)
  const searchPath = url.searchParams.get('search_path') ?? undefined
  url.searchParams.delete('search_path')
  return { kind: 'postgres', url: url.toString(), searchPath, description: describeUrl(raw) }
}

/** The URL with any password replaced by `***`, safe to log. */
export function describeUrl(raw: string): string {
  try {
    const url = new URL(raw)
    if (url.password !== '') url.password = '***'
    return url.toString()
  } catch {
    return raw.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@')
  }
}

/** `url` with `search_path` set, for a child process that must see the same schema. */
export function withSearchPath(raw: string, searchPath: string): string {
  const url = new URL(raw)
  url.searchParams.set('search_path', searchPath)
  return url.toString()
}
