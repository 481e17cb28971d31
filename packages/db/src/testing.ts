import { createHash, randomBytes } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { connect } from './connect.ts'
import type { Database } from './database.ts'
import { migrate } from './migrate.ts'
import { openPglite } from './pglite.ts'
import { withSearchPath } from './url.ts'

export { freePort, startTcpProxy, type TcpProxy } from './testing-net.ts'

/** Options for {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** A migrations directory to apply before the database is handed out. */
  migrations?: string
  /** Force an engine; default: `postgres` when DATABASE_URL is a postgres:// URL, else `pglite`. */
  backend?: 'postgres' | 'pglite'
}

/** A database of one's own for a test file. */
export interface TestDatabase extends Database {
  /**
   * Where a child process can reach the same data with connect(url) while this one is open. On
   * a server: DATABASE_URL with `?search_path=test_<random>`. On PGlite: the
   * `postgres://…@127.0.0.1:<port>/postgres` of its socket server (so the child's `kind` is
   * `postgres`); valid until cleanup().
   */
  readonly url: string
  /** Closes the database (if still open); on a server also drops its schema. */
  cleanup(): Promise<void>
}

/**
 * Gives a test file a fresh, empty database, optionally migrated: a new schema `test_<random>`
 * on the server at DATABASE_URL, or a new in-memory PGlite.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL
  const onServer = /^postgres(ql)?:\/\//.test(serverUrl ?? '')
  const backend = options.backend ?? (onServer ? 'postgres' : 'pglite')
  if (backend === 'postgres' && (serverUrl === undefined || !onServer)) {
    throw new Error('createTestDatabase: backend postgres needs DATABASE_URL=postgres://…')
  }
  const db =
    backend === 'postgres' && serverUrl !== undefined
      ? await createSchemaDatabase(serverUrl)
      : await createPgliteDatabase()
  if (options.migrations === undefined) return db
  try {
    await migrate(db.sql, options.migrations)
  } catch (error) {
    await db.cleanup()
    throw error
  }
  return db
}

async function createSchemaDatabase(serverUrl: string): Promise<TestDatabase> {
  const schema = `test_${randomBytes(6).toString('hex')}`
  await asAdmin(serverUrl, (sql) => sql`create schema ${sql(schema)}`)
  const url = withSearchPath(serverUrl, schema)
  const database = await connect(url)
  const cleanup = async () => {
    await database.close()
    await asAdmin(serverUrl, (sql) => sql`drop schema if exists ${sql(schema)} cascade`)
  }
  return { ...database, url, cleanup }
}

async function asAdmin(url: string, work: (sql: Database['sql']) => Promise<unknown>) {
  const admin = await connect(url, { max: 1 })
  try {
    await work(admin.sql)
  } finally {
    await admin.close()
  }
}

/**
 * In memory rather than in a temporary directory: loading the template into memory measured
 * 1.5–5.6 s against 4.4–10.4 s into a directory on a busy two-core machine, and a test database
 * is never reopened.
 */
async function createPgliteDatabase(): Promise<TestDatabase> {
  const opened = await openPglite(undefined, 'pglite://memory', {}, await pgliteTemplate())
  return { ...opened.database, url: opened.serverUrl, cleanup: opened.database.close }
}

let template: Promise<Blob> | undefined

/**
 * A freshly initialised data directory as a tarball. initdb takes seconds in PGlite while
 * loading a tarball takes about one, so it is built once per PGlite build and kept in the temp
 * directory; concurrent builders each rename a complete file into place.
 */
function pgliteTemplate(): Promise<Blob> {
  template ??= loadOrBuildTemplate()
  return template
}

async function loadOrBuildTemplate(): Promise<Blob> {
  const build = createHash('sha256').update(import.meta.resolve('@electric-sql/pglite'))
  const path = join(tmpdir(), `ferry-pglite-template-${build.digest('hex').slice(0, 16)}.tar`)
  const cached = await readFile(path).catch(() => undefined)
  if (cached !== undefined) return new Blob([cached])
  const db = await PGlite.create()
  const tarball = await db.dumpDataDir('none')
  await db.close()
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(partial, new Uint8Array(await tarball.arrayBuffer()))
  await rename(partial, path)
  return tarball
}
