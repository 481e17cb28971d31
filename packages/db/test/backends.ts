import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type Backend = 'postgres' | 'pglite'

/** Generous: building the PGlite template runs initdb, several seconds on a busy machine. */
export const OPEN_TIMEOUT = 60_000

const required = process.env.CI === 'true' || process.env.FERRY_REQUIRE_DB === '1'
const serverUrl = process.env.DATABASE_URL
if (required && !/^postgres(ql)?:\/\//.test(serverUrl ?? '')) {
  throw new Error('DATABASE_URL=postgres://… is required when CI=true or FERRY_REQUIRE_DB=1')
}

/** PGlite always; the PostgreSQL server too when DATABASE_URL names one. */
export const backends: Backend[] = serverUrl?.startsWith('postgres')
  ? ['pglite', 'postgres']
  : ['pglite']

/** The server URL; only call from suites that run on the postgres backend. */
export function serverDatabaseUrl(): string {
  if (serverUrl === undefined) throw new Error('DATABASE_URL is not set')
  return serverUrl
}

/** Writes `files` into a new temporary directory and returns its path. */
export async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-migrations-'))
  await Promise.all(Object.entries(files).map(([name, sql]) => writeFile(join(dir, name), sql)))
  return dir
}
