import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Generous: a loaded two-core machine can take seconds to open connections. */
export const OPEN_TIMEOUT = 60_000

/** The server every suite runs on: `npm test` starts an embedded one when none is given. */
export function serverDatabaseUrl(): string {
  const url = process.env.DATABASE_URL
  if (url === undefined || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('DATABASE_URL=postgres://… is required (npm test starts an embedded server)')
  }
  return url
}

/** Writes `files` into a new temporary directory and returns its path. */
export async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-migrations-'))
  await Promise.all(Object.entries(files).map(([name, sql]) => writeFile(join(dir, name), sql)))
  return dir
}
