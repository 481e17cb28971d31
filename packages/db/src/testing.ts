import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from './connect.ts'
import type { Database } from './database.ts'
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.ts'
import { migrate } from './migrate.ts'
import { withSearchPath } from './url.ts'

export { freePort, startTcpProxy, startTcpProxyTo, type TcpProxy } from './testing-net.ts'

/** Options for {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** A migrations directory to apply before the database is handed out. */
  migrations?: string
  /** The server to make it on; default DATABASE_URL (`npm test` always sets one). */
  serverUrl?: string
}

/** A database of one's own for a test file. */
export interface TestDatabase extends Database {
  /**
   * Where a child process can reach the same data with connect(url) while this one is open: the
   * server's URL with `?search_path=test_<random>`.
   */
  readonly url: string
  /** Closes the database (if still open) and drops its schema. */
  cleanup(): Promise<void>
}

/**
 * Gives a test file a fresh, empty database, optionally migrated: a new schema `test_<random>`
 * on the server at `serverUrl` or DATABASE_URL.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? process.env.DATABASE_URL
  if (serverUrl === undefined || !/^postgres(ql)?:\/\//.test(serverUrl)) {
    throw new Error(
      'createTestDatabase needs DATABASE_URL=postgres://… (`npm test` starts an embedded server and sets it)',
    )
  }
  const db = await createSchemaDatabase(serverUrl)
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
 * A throw-away embedded PostgreSQL server of the test file's own (in a temporary directory,
 * deleted on stop), for suites that run the embedded default whatever DATABASE_URL says.
 */
export async function startTestPostgres(): Promise<EmbeddedPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-pg-test-'))
  // mkdtemp makes it 0700; as root the server runs as another user, which must enter it.
  await chmod(dir, 0o755)
  const server = await startEmbeddedPostgres({
    dataDir: join(dir, 'data'),
    logFile: join(dir, 'postgres.log'),
    password: randomBytes(12).toString('hex'),
    ephemeral: true,
  })
  return {
    ...server,
    async stop() {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
