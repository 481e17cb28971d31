import type { ObjectStore, Queue, Topic } from '@ferry/cloud'
import { type Database, fromDbError } from '@ferry/db'
import { type BuiltService, createFailureLimiter, createService, type Tracing } from '@ferry/kit'
import { BEARER_SCHEME, installAuth } from './auth.ts'
import { authSetting, type Config, filesSetting } from './config.ts'
import { eventsConsumer } from './consumer.ts'
import { createDocuments } from './documents.ts'
import { createFiles } from './files/files.ts'
import { localPresignedRoutes } from './files/local-presigned.ts'
import { createEventMetrics } from './metrics.ts'
import { adminObjectRoutes, adminTopicRoutes } from './routes/admin.ts'
import { documentRoutes } from './routes/documents.ts'
import { exportRoutes } from './routes/exports.ts'
import { fileRoutes } from './routes/files.ts'
import { userRoutes } from './routes/users.ts'

export interface Deps {
  config: Config
  db: Database
  /** The documents bucket (S3_BUCKET_NAME). */
  store: ObjectStore
  topic: Topic
  /** The events queue (SQS_QUEUE_URL), subscribed to the topic. */
  queue: Queue
  /**
   * The files bucket (FILES_BUCKET). A local one must be opened with the presign options
   * `filesSetting(config)` gives, as its presigned URLs are answered by this app.
   */
  files: ObjectStore
  logger?: { stream?: NodeJS.WritableStream }
  /**
   * startTracing's result: a span per request and per event, traceparent on the exports and
   * notifications it sends, the trace id in the snapshots' metadata. None: off.
   */
  tracing?: Tracing
}

export const VERSION = '0.1.0'

/**
 * The api: users' records in PostgreSQL, their snapshots and admin documents in S3, exports and
 * notifications over SQS/SNS, all behind bearer JWTs, plus the events consumer as a loop.
 * Closing the app drains the consumer, then closes the queue, topic, store and database.
 */
export function buildApp(deps: Deps): BuiltService {
  const { config, db, store, topic, queue, files } = deps
  const auth = authSetting(config)
  const filesOptions = filesSetting(config)
  const app = createService({
    name: 'api',
    version: VERSION,
    tracing: deps.tracing,
    logLevel: config.LOG_LEVEL,
    logger: deps.logger,
    trustProxy: config.TRUST_PROXY_HOPS,
    // The replaced service's liveness body carried `message`; clients still read it.
    health: { body: () => ({ status: 'ok', message: 'ok' }) },
    openapi: {
      description:
        "Users' personal, financial and health records, their S3 snapshots and events, and tenants' files",
      tags: [
        { name: 'users', description: 'Records in PostgreSQL; a caller acts on its own' },
        { name: 'documents', description: 'Snapshots in the documents bucket' },
        { name: 'events', description: 'Exports through the events queue' },
        { name: 'admin', description: 'Raw bucket and topic access (role admin)' },
        { name: 'files', description: "A tenant's private file tree (tenant_id claim, else sub)" },
      ],
      securitySchemes: BEARER_SCHEME,
    },
  })
  const documents = createDocuments(store)
  // One count of invalid tokens per client address for both scopes.
  const limiter = createFailureLimiter({
    maxFailures: config.AUTH_MAX_FAILURES,
    windowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS,
  })

  // postgres.js's errors reach the kit untranslated: a transient one is answered 503.
  app.addErrorTranslator(fromDbError)
  app.addReadinessCheck('database', (signal) => db.ping(signal))
  app.addReadinessCheck('documents', () => store.ping())
  app.addReadinessCheck('files', () => files.ping())
  app.addReadinessCheck('topic', () => topic.ping())
  app.addReadinessCheck('queue', () => queue.ping())
  // Closers run last-registered-first: the queue and topic, then the store, the database last.
  app.addCloser('database', () => db.close())
  app.addCloser('documents', () => store.close())
  app.addCloser('files', () => files.close())
  app.addCloser('topic', () => topic.close())
  app.addCloser('queue', () => queue.close())
  app.addLoop(
    'events',
    eventsConsumer({
      queue,
      documents,
      log: app.log.child({ component: 'events-consumer' }),
      metrics: createEventMetrics(app.metrics),
      tracing: deps.tracing,
    }),
  )

  app.register(async (api) => {
    // Personal, financial and health records (and their snapshots): no cache may keep a copy.
    api.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'no-store')
    })
    await installAuth(api, auth, { limiter })
    api.register(userRoutes, { prefix: '/users', sql: db.sql })
    api.register(exportRoutes, { prefix: '/users', sql: db.sql, queue })
    api.register(documentRoutes, { prefix: '/users', documents })
    api.register(adminObjectRoutes, { prefix: '/s3', documents, topic })
    api.register(adminTopicRoutes, { prefix: '/sns', topic })
  })
  // Tokens without a sub may still name a tenant (tenant_id): this scope asks only for a valid one.
  app.register(async (tenants) => {
    await installAuth(tenants, auth, { requireSub: false, limiter })
    tenants.register(fileRoutes, {
      prefix: '/files',
      files: createFiles(files),
      store: files,
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      presignMaxSeconds: config.PRESIGN_MAX_SECONDS,
      presignUploadMaxSeconds: config.PRESIGN_UPLOAD_MAX_SECONDS,
    })
  })
  const presign = filesOptions.presign
  if (presign) {
    const options = { prefix: '/_local/objects', store: files, secret: presign.secret }
    app.register(localPresignedRoutes, options)
  }
  return { app }
}
