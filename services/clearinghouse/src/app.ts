import type { ObjectStore, Queue } from '@ferry/cloud'
import { type Database, fromDbError } from '@ferry/db'
import {
  type BuiltService,
  createService,
  OPERATOR_SECURITY_SCHEMES,
  requireBearer,
  type Tracing,
} from '@ferry/kit'
import { type Config, operatorToken } from './config.ts'
import { consumeEvents } from './events.ts'
import { createLoop, type Loop } from './loop.ts'
import { createClearinghouseMetrics } from './metrics.ts'
import type { Watched } from './poll.ts'
import type { BatchLimits } from './records.ts'
import { filesRoutes } from './routes/files.ts'
import { statsRoutes } from './routes/stats.ts'

export interface Deps {
  config: Config
  /** Migrated already; closed when the app closes. */
  db: Database
  store: ObjectStore
  /** The S3_EVENTS_QUEUE_URL queue, when configured. */
  events?: Queue
  logger?: { stream?: NodeJS.WritableStream }
  /** Insert batch sizes; tests make them small. */
  batch?: BatchLimits
  /** startTracing's result: a span per request and trace ids in its log lines. None: off. */
  tracing?: Tracing
}

export const VERSION = '0.1.0'

export interface ClearinghouseApp extends BuiltService {
  processor: Loop
}

/**
 * The clearinghouse: a loop that lists the bucket and loads its `.json` files into the database
 * (plus one consuming S3 events when a queue is given), and the operator API. Closing the app
 * stops claiming, rolls back and releases unfinished files, then closes the drivers. Throws a
 * ConfigError when the operator API would be open without OPERATOR_AUTH=none saying so.
 */
export function buildApp(deps: Deps): ClearinghouseApp {
  const { config, db, store, events } = deps
  // Throws unless a token is configured or OPERATOR_AUTH=none opts out explicitly.
  const token = operatorToken(config)
  const app = createService({
    name: 'clearinghouse',
    version: VERSION,
    tracing: deps.tracing,
    logLevel: config.LOG_LEVEL,
    logger: deps.logger,
    health: { body: () => ({ status: 'healthy', service: 'clearinghouse' }) },
    openapi: {
      description: 'Loads the records of the bucket’s .json files into PostgreSQL',
      tags: [{ name: 'files', description: 'Operator API (internal; OPERATOR_TOKEN bearer)' }],
      securitySchemes: OPERATOR_SECURITY_SCHEMES,
    },
  })
  const watched: Watched = {
    bucket: store.name,
    bucketSetting: config.S3_BUCKET,
    prefix: config.S3_PREFIX,
  }
  const metrics = createClearinghouseMetrics(app.metrics, { sql: db.sql })
  const processor = createLoop(
    { sql: db.sql, store, log: app.log.child({ component: 'processor' }), metrics },
    {
      watched,
      pollIntervalMs: config.POLL_INTERVAL * 1000,
      concurrency: config.CONCURRENCY,
      leaseSeconds: config.LEASE_SECONDS,
      retry: {
        maxAttempts: config.MAX_ATTEMPTS,
        baseSeconds: config.RETRY_BASE_SECONDS,
        maxSeconds: config.RETRY_MAX_SECONDS,
      },
      batch: { ...deps.batch, recordBytes: config.MAX_RECORD_BYTES },
      readTimeoutMs: config.READ_TIMEOUT_SECONDS * 1000,
    },
  )

  // postgres.js's errors reach the kit untranslated: a transient one is answered 503.
  app.addErrorTranslator(fromDbError)
  app.addReadinessCheck('database', (signal) => db.ping(signal))
  app.addReadinessCheck('bucket', () => store.ping())
  app.addReadinessCheck('poll', () => processor.check())
  app.addCloser('database', () => db.close())
  app.addCloser('bucket', () => store.close())
  app.addLoop('processor', (signal) => processor.run(signal))
  if (events) {
    const log = app.log.child({ component: 'events' })
    const eventDeps = { sql: db.sql, store, queue: events, log, onSeen: processor.wake }
    app.addCloser('events', () => events.close())
    app.addLoop('events', (signal) => consumeEvents(eventDeps, watched, signal))
  }
  app.register(async (operator) => {
    if (token !== undefined) operator.addHook('onRequest', requireBearer(token))
    await operator.register(filesRoutes, {
      prefix: '/files',
      sql: db.sql,
      onRetry: processor.wake,
    })
    await operator.register(statsRoutes, { prefix: '/stats', sql: db.sql })
  })
  return { app, processor }
}
