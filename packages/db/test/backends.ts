import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { connect } from '../src/connect.ts'
import type { Database } from '../src/database.ts'
import {
  createTestDatabase,
  startTcpProxyTo,
  type TcpProxy,
  type TestDatabase,
} from '../src/testing.ts'

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

/**
 * A fresh test database reached through a TCP proxy (so a test can cut it off), opened before the
 * describe's tests with a pool of `max` and closed after them. Read its fields inside tests.
 */
export function proxiedDatabase(max: number): {
  target: TestDatabase
  proxy: TcpProxy
  db: Database
} {
  const opened = {} as { target: TestDatabase; proxy: TcpProxy; db: Database }
  beforeAll(async () => {
    opened.target = await createTestDatabase()
    opened.proxy = await startTcpProxyTo(opened.target.url)
    opened.db = await connect(opened.proxy.via(opened.target.url), { max })
  }, OPEN_TIMEOUT)
  afterAll(async () => {
    await opened.db?.close()
    await opened.proxy?.close()
    await opened.target?.cleanup()
  })
  return opened
}
