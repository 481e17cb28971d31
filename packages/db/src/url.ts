/** Where a database URL points. */
export interface DatabaseLocation {
  url: string
  searchPath: string | undefined
  description: string
}

/**
 * Reads a `postgres://…` / `postgresql://…` URL. A `search_path` query parameter
 * (`?search_path=test_ab12`, comma-separated for several schemas) sets the connection's
 * search_path and is removed from the URL handed to postgres.js.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return parsePostgres(url)
  throw new Error(`unsupported database URL ${describeUrl(url)}: use postgres://…`)
}

function parsePostgres(raw: string): DatabaseLocation {
  const url = new URL(raw)
  const searchPath = url.searchParams.get('search_path') ?? undefined
  url.searchParams.delete('search_path')
  return { url: url.toString(), searchPath, description: describeUrl(raw) }
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
