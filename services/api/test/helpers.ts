import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type AwsOptions,
  type ObjectStore,
  openObjects,
  openQueue,
  openTopic,
  type Queue,
  subscribeLocalQueue,
  type Topic,
} from '@ferry/cloud'
import {
  awsTestOptions,
  createTestBucket,
  createTestQueue,
  createTestTopic,
} from '@ferry/cloud/testing'
import { createTestDatabase, type TestDatabase } from '@ferry/db/testing'
import type { ServiceApp } from '@ferry/kit'
import { captureLogs } from '@ferry/kit/testing'
import { Value } from '@sinclair/typebox/value'
import { buildApp, type Deps } from '../src/app.ts'
import { Config, filesSetting } from '../src/config.ts'
import { signHs256 } from '../src/tokens.ts'

export const SECRET = 'test-secret-0123456789abcdef-0123456789'
export const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url))

/** An HS256 token for `sub` signed with the test secret. */
export function tokenFor(sub: string, roles: string[] = [], expiresInSeconds = 3600): string {
  return signHs256({ sub, roles }, SECRET, expiresInSeconds)
}

export const ADMIN = tokenFor('admin-1', ['admin'])

export function requireAws(): AwsOptions {
  const aws = awsTestOptions()
  if (!aws) throw new Error('AWS_ENDPOINT_URL is not set')
  return aws
}

export type Drivers = 'aws' | 'local'

export interface TestAppOptions {
  drivers?: Drivers
  /** Extra configuration, e.g. JWT_JWKS_URL instead of JWT_SECRET. */
  env?: Record<string, string | undefined>
  /** Events queue settings; a dead-letter queue is made when maxReceiveCount is set. */
  queue?: { visibilityTimeout?: number; maxReceiveCount?: number }
  wrap?: { store?: (s: ObjectStore) => ObjectStore; queue?: (q: Queue) => Queue }
  /** Share a database between apps of one file; otherwise each app gets its own. */
  db?: TestDatabase
}

export interface TestApp {
  app: ServiceApp
  db: TestDatabase
  store: ObjectStore
  queue: Queue
  topic: Topic
  /** The files bucket (FILES_BUCKET). */
  files: ObjectStore
  /** The dead-letter queue of the events queue, when one was asked for. */
  deadLetters?: Queue
  /** S3_BUCKET_NAME, SQS_QUEUE_URL, SNS_TOPIC_ARN and FILES_BUCKET of this app. */
  settings: Record<string, string>
  logs: ReturnType<typeof captureLogs>
  /** Resolves with the first log line `match` accepts, polling for up to `timeoutMs`. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>
  request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options?: { token?: string; body?: unknown },
  ): Promise<Awaited<ReturnType<ServiceApp['inject']>>>
  close(): Promise<void>
}

interface OpenDrivers {
  store: ObjectStore
  queue: Queue
  topic: Topic
  deadLetters?: Queue
  settings: Record<string, string>
  cleanup(): Promise<void>
}

async function awsDrivers(options: TestAppOptions): Promise<OpenDrivers> {
  const aws = requireAws()
  const bucket = await createTestBucket(aws)
  const filesBucket = await createTestBucket(aws)
  const testQueue = await createTestQueue(aws, options.queue)
  const testTopic = await createTestTopic(aws, [testQueue.arn])
  return {
    store: openObjects(bucket.name, { aws }),
    queue: openQueue(testQueue.url, { aws }),
    topic: openTopic(testTopic.arn, { aws }),
    deadLetters: testQueue.dlqUrl ? openQueue(testQueue.dlqUrl, { aws }) : undefined,
    settings: {
      S3_BUCKET_NAME: bucket.name,
      SQS_QUEUE_URL: testQueue.url,
      SNS_TOPIC_ARN: testTopic.arn,
      FILES_BUCKET: filesBucket.name,
    },
    async cleanup() {
      await testTopic.cleanup()
      await testQueue.cleanup()
      await bucket.cleanup()
      await filesBucket.cleanup()
    },
  }
}

async function localDrivers(options: TestAppOptions): Promise<OpenDrivers> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-api-'))
  const params = new URLSearchParams()
  if (options.queue?.maxReceiveCount)
    params.set('maxReceiveCount', String(options.queue.maxReceiveCount))
  if (options.queue?.visibilityTimeout)
    params.set('visibilityTimeout', String(options.queue.visibilityTimeout))
  const queueSetting = `file://${join(dir, 'queue')}${params.size ? `?${params}` : ''}`
  await subscribeLocalQueue(join(dir, 'topic'), queueSetting)
  const settings = {
    S3_BUCKET_NAME: `file://${join(dir, 'bucket')}`,
    SQS_QUEUE_URL: queueSetting,
    SNS_TOPIC_ARN: `file://${join(dir, 'topic')}`,
    FILES_BUCKET: `file://${join(dir, 'files')}`,
    PUBLIC_URL: 'http://127.0.0.1',
    PRESIGN_SECRET: randomBytes(32).toString('hex'),
  }
  return {
    store: openObjects(settings.S3_BUCKET_NAME),
    queue: openQueue(queueSetting),
    topic: openTopic(settings.SNS_TOPIC_ARN),
    deadLetters: options.queue?.maxReceiveCount
      ? openQueue(`file://${join(dir, 'queue', 'dead-letter')}`)
      : undefined,
    settings,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/** The api on real drivers (moto over HTTP, or local directories) and a fresh database. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const drivers =
    options.drivers === 'local' ? await localDrivers(options) : await awsDrivers(options)
  const db = options.db ?? (await createTestDatabase({ migrations: MIGRATIONS }))
  const config = Value.Parse(Config, {
    DATABASE_URL: db.url,
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'info',
    ...drivers.settings,
    ...options.env,
  })
  const presign = filesSetting(config)
  const aws = options.drivers === 'local' ? undefined : requireAws()
  const files = openObjects(config.FILES_BUCKET, { aws, local: presign })
  const logs = captureLogs()
  const store = options.wrap?.store?.(drivers.store) ?? drivers.store
  const queue = options.wrap?.queue?.(drivers.queue) ?? drivers.queue
  const deps: Deps = {
    config,
    db,
    store,
    topic: drivers.topic,
    queue,
    files,
    logger: { stream: logs.stream },
  }
  // The database outlives an app that shares it: the app's closer must not end it.
  if (options.db) deps.db = { ...db, close: async () => {} }
  const { app } = buildApp(deps)
  await app.ready()
  return {
    app,
    db,
    store: drivers.store,
    queue: drivers.queue,
    topic: drivers.topic,
    files,
    deadLetters: drivers.deadLetters,
    settings: drivers.settings,
    logs,
    async waitForLog(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const line = logs.lines().find(match)
        if (line) return line
        if (Date.now() > deadline) throw new Error('timed out waiting for a log line')
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
    request(method, url, { token, body } = {}) {
      return app.inject({
        method,
        url,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      })
    },
    async close() {
      await app.close()
      await drivers.deadLetters?.close()
      await drivers.cleanup()
      if (!options.db) await db.cleanup()
    },
  }
}

/** Polls `check` until it returns a value other than undefined, for up to `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
