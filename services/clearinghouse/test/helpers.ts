import { type AwsOptions, type ObjectStore, openObjects, type Queue } from '@ferry/cloud'
import { awsTestOptions, openTestResources } from '@ferry/cloud/testing'
import { connect, type Database } from '@ferry/db'
import { createTestDatabase, type TestDatabase } from '@ferry/db/testing'
import { captureLogs } from '@ferry/kit/testing'
import { Value } from '@sinclair/typebox/value'
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest'
import { buildApp, type ClearinghouseApp } from '../src/app.ts'
import { Config } from '../src/config.ts'
import { MIGRATIONS_DIR } from '../src/migrations.ts'
import type { BatchLimits } from '../src/records.ts'

export interface TestBucket {
  /** S3_BUCKET for the service. */
  setting: string
  /** The emulator's settings when the bucket is on moto. */
  aws: AwsOptions | undefined
  /** Environment a child process needs to reach it. */
  env: Record<string, string>
  store: ObjectStore
  put(key: string, body: string | Buffer): Promise<string>
  cleanup(): Promise<void>
}

/** A bucket of one's own: moto when AWS_ENDPOINT_URL is set (unless `local`), else a directory. */
export async function openTestBucket(options: { local?: boolean } = {}): Promise<TestBucket> {
  const kind = options.local || !awsTestOptions() ? 'local' : 'aws'
  const resources = await openTestResources(kind)
  const setting = await resources.bucket('clearinghouse')
  const store = openObjects(setting, { aws: resources.aws })
  return {
    setting,
    aws: resources.aws,
    env: resources.env,
    store,
    put: async (key, body) => (await store.put(key, body)).etag,
    async cleanup() {
      await store.close()
      await resources.cleanup()
    },
  }
}

/** A fresh schema, migrated, on `serverUrl` (default DATABASE_URL). */
export function migratedDatabase(serverUrl?: string): Promise<TestDatabase> {
  return createTestDatabase({ migrations: MIGRATIONS_DIR, serverUrl })
}

export interface TestService extends ClearinghouseApp {
  logs: ReturnType<typeof captureLogs>
  /** The app's own connection (closed with the app). */
  appDb: Database
  close(): Promise<void>
}

export interface ServiceOptions {
  db: TestDatabase
  bucket: TestBucket
  env?: Record<string, string>
  batch?: BatchLimits
  /** Connect here instead of db.url (e.g. through a proxy). */
  databaseUrl?: string
  /** The S3 events queue, when the test configures S3_EVENTS_QUEUE_URL. */
  events?: Queue
  /** Wraps the service's object store, to inject faults. */
  wrapStore?: (store: ObjectStore) => ObjectStore
}

/** A token for tests that call the operator API (`operatorHeaders`). */
export const OPERATOR_TOKEN = 'test-operator-token-0123456789'
export const operatorHeaders = { authorization: `Bearer ${OPERATOR_TOKEN}` }

/** Settings for tests: fast polls and retries; OPERATOR_TOKEN unless `env` opts out. */
export function testConfig(bucket: TestBucket, db: TestDatabase, env: Record<string, string> = {}) {
  return Value.Parse(Config, {
    ...(env.OPERATOR_AUTH === 'none' ? {} : { OPERATOR_TOKEN }),
    S3_BUCKET: bucket.setting,
    DATABASE_URL: db.url,
    POLL_INTERVAL: '0.1',
    RETRY_BASE_SECONDS: '0.1',
    RETRY_MAX_SECONDS: '1',
    LEASE_SECONDS: '30',
    // A read that moto lets stall (it happens on a loaded machine) fails and is retried soon.
    READ_TIMEOUT_SECONDS: '5',
    AWS_ENDPOINT_URL: bucket.env.AWS_ENDPOINT_URL,
    ...env,
  })
}

/** The service on its own connection to `db`, polling `bucket`; ready (loops running). */
export async function startService(options: ServiceOptions): Promise<TestService> {
  const config = testConfig(options.bucket, options.db, options.env)
  const appDb = await connect(options.databaseUrl ?? options.db.url, {
    max: config.CONCURRENCY + 4,
  })
  const { aws } = options.bucket
  const logs = captureLogs()
  const built = buildApp({
    config,
    db: appDb,
    store: (options.wrapStore ?? ((s) => s))(openObjects(options.bucket.setting, { aws })),
    events: options.events,
    logger: { stream: logs.stream },
    batch: options.batch,
  })
  await built.app.ready()
  return { ...built, logs, appDb, close: () => built.app.close() }
}

export interface FileRow {
  id: number
  status: string
  attempts: number
  error_message: string | null
  etag: string | null
  file_hash: string | null
  file_size: string | null
  record_count: number | null
  next_attempt_at: Date | null
  processed_at: Date | null
  metadata: Record<string, unknown>
}

export async function fileRow(db: Database, key: string): Promise<FileRow | undefined> {
  const [row] = await db.sql<FileRow[]>`select * from file_processing_log where s3_key = ${key}`
  return row
}

export async function recordsOf(db: Database, key: string) {
  return db.sql<{ record_type: string; record_data: Record<string, unknown> }[]>`
    select d.record_type, d.record_data from processed_data d
    join file_processing_log l on l.id = d.file_log_id
    where l.s3_key = ${key} order by d.id`
}

export async function countRecords(db: Database, key: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from processed_data d
    join file_processing_log l on l.id = d.file_log_id where l.s3_key = ${key}`
  return row?.n ?? 0
}

/** For vi.waitFor: long enough for a loaded CI machine (expect.poll's default is in vitest.config). */
export const POLL = { timeout: 20_000 }

/** Waits until the service logged that it started loading `key`. */
export function waitForLoading(service: TestService, key: string) {
  return expect
    .poll(() => service.logs.lines().some((l) => l.msg === 'loading file' && l.key === key))
    .toBe(true)
}

/** Waits until the file's row has the fields of `match`; fails showing the last row. */
export function waitForRow(db: Database, key: string, match: Partial<FileRow>, timeout = 20_000) {
  return vi.waitFor(
    async () => {
      const row = await fileRow(db, key)
      expect(row).toMatchObject(match)
      return row as FileRow
    },
    { timeout },
  )
}

/** Waits until the file's row has `status`. */
export function waitForStatus(db: Database, key: string, status: string, timeout?: number) {
  return waitForRow(db, key, { status }, timeout)
}

/** `n` records like a producer writes them. */
export function sampleRecords(n: number, type = 'order'): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, type, amount: i * 1.5, note: 'sample' }))
}

/** Per test: a migrated database, a bucket, and the services and cleanups the test added. */
export interface ServiceFixture {
  db: TestDatabase
  bucket: TestBucket
  /** Starts the clearinghouse on this test's database and bucket; closed after the test. */
  service(options?: Omit<ServiceOptions, 'db' | 'bucket'>): Promise<TestService>
  /** Runs `cleanup` after the test, before the database and bucket go (last added, first run). */
  defer(cleanup: () => Promise<void>): void
}

/** Registers the hooks that give each test of the file a fresh ServiceFixture. */
export function serviceFixture(): ServiceFixture {
  const cleanups: (() => Promise<void>)[] = []
  const fixture = {
    defer: (cleanup: () => Promise<void>) => {
      cleanups.push(cleanup)
    },
    async service(options: Omit<ServiceOptions, 'db' | 'bucket'> = {}) {
      const started = await startService({ db: fixture.db, bucket: fixture.bucket, ...options })
      cleanups.push(() => started.close())
      return started
    },
  } as ServiceFixture
  beforeEach(async () => {
    fixture.db = await migratedDatabase()
    fixture.bucket = await openTestBucket()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    await fixture.bucket.cleanup()
    await fixture.db.cleanup()
  })
  return fixture
}

/** One database, bucket and running clearinghouse for all the tests of a file. */
export interface SharedService {
  db: TestDatabase
  bucket: TestBucket
  service: TestService
}

/**
 * Registers the hooks that start a SharedService before the file's tests and close it after them;
 * the fields are set once the tests run. `local` puts the bucket in a directory even where moto is.
 */
export function sharedService(
  options: Omit<ServiceOptions, 'db' | 'bucket'> & { local?: boolean } = {},
): SharedService {
  const { local, ...serviceOptions } = options
  const shared = {} as SharedService
  beforeAll(async () => {
    shared.db = await migratedDatabase()
    shared.bucket = await openTestBucket({ local })
    shared.service = await startService({ db: shared.db, bucket: shared.bucket, ...serviceOptions })
  })
  afterAll(async () => {
    await shared.service?.close()
    await shared.bucket?.cleanup()
    await shared.db?.cleanup()
  })
  return shared
}
