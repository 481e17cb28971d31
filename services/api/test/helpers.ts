import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  type AwsOptions,
  type ObjectStore,
  openObjects,
  openQueue,
  openTopic,
  type Queue,
  type Topic,
} from '@ferry/cloud'
import { openTestResources } from '@ferry/cloud/testing'
import { createTestDatabase, type TestDatabase } from '@ferry/db/testing'
import type { ServiceApp, Tracing } from '@ferry/kit'
import { captureLogs } from '@ferry/kit/testing'
import { Value } from '@sinclair/typebox/value'
import { vi } from 'vitest'
import { buildApp, type Deps } from '../src/app.ts'
import { Config, filesSetting } from '../src/config.ts'
import { signHs256 } from '../src/jwt.ts'

export const SECRET = 'test-secret-0123456789abcdef-0123456789'
export const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url))

/** An HS256 token for `sub` signed with the test secret. */
export function tokenFor(sub: string, roles: string[] = [], expiresInSeconds = 3600): string {
  return signHs256({ sub, roles }, SECRET, expiresInSeconds)
}

export const ADMIN = tokenFor('admin-1', ['admin'])

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
  tracing?: Tracing
}

export interface TestApp {
  app: ServiceApp
  /** The emulator's settings, on the 'aws' drivers. */
  aws: AwsOptions | undefined
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
  aws: AwsOptions | undefined
  store: ObjectStore
  queue: Queue
  topic: Topic
  deadLetters?: Queue
  settings: Record<string, string>
  cleanup(): Promise<void>
}

async function openDrivers(options: TestAppOptions): Promise<OpenDrivers> {
  const resources = await openTestResources(options.drivers ?? 'aws')
  const { aws } = resources
  const queue = await resources.queue(options.queue)
  const settings: Record<string, string> = {
    S3_BUCKET_NAME: await resources.bucket('documents'),
    SQS_QUEUE_URL: queue.url,
    SNS_TOPIC_ARN: await resources.topic([queue.url]),
    FILES_BUCKET: await resources.bucket('files'),
  }
  if (resources.kind === 'local') {
    settings.PUBLIC_URL = 'http://127.0.0.1'
    settings.PRESIGN_SECRET = randomBytes(32).toString('hex')
  }
  return {
    aws,
    store: openObjects(settings.S3_BUCKET_NAME ?? '', { aws }),
    queue: openQueue(queue.url, { aws }),
    topic: openTopic(settings.SNS_TOPIC_ARN ?? '', { aws }),
    deadLetters: queue.deadLetters ? openQueue(queue.deadLetters, { aws }) : undefined,
    settings,
    cleanup: () => resources.cleanup(),
  }
}

/** The api on real drivers (moto over HTTP, or local directories) and a fresh database. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const drivers = await openDrivers(options)
  const db = options.db ?? (await createTestDatabase({ migrations: MIGRATIONS }))
  const config = Value.Parse(Config, {
    DATABASE_URL: db.url,
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'info',
    ...drivers.settings,
    ...options.env,
  })
  const presign = filesSetting(config)
  const files = openObjects(config.FILES_BUCKET, { aws: drivers.aws, local: presign })
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
    tracing: options.tracing,
  }
  // The database outlives an app that shares it: the app's closer must not end it.
  if (options.db) deps.db = { ...db, close: async () => {} }
  const { app } = buildApp(deps)
  await app.ready()
  return {
    app,
    aws: drivers.aws,
    db,
    store: drivers.store,
    queue: drivers.queue,
    topic: drivers.topic,
    files,
    deadLetters: drivers.deadLetters,
    settings: drivers.settings,
    logs,
    waitForLog(match, timeoutMs = 20_000) {
      return vi.waitFor(
        () => {
          const line = logs.lines().find(match)
          if (!line) throw new Error('no log line matches yet')
          return line
        },
        { timeout: timeoutMs },
      )
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

/** For vi.waitFor: long enough for a loaded CI machine (expect.poll's default is in vitest.config). */
export const POLL = { timeout: 20_000 }
