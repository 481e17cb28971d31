import { awsOptionsFrom, openObjects, openQueue } from '@ferry/cloud'
import { connect, migrate } from '@ferry/db'
import { configOrExit, runService, startTracing } from '@ferry/kit'
import { buildApp, VERSION } from './app.ts'
import { loadResolvedConfig, type ResolvedConfig } from './config.ts'
import { MIGRATIONS_DIR } from './migrations.ts'

const config: ResolvedConfig = configOrExit(() => loadResolvedConfig())
const aws = awsOptionsFrom(config)
// Each loading file holds a connection for its whole transaction; the rest serve the API.
const db = await connect(config.databaseUrl, {
  max: config.CONCURRENCY + 4,
  applicationName: 'clearinghouse',
  auth: config.databaseAuth,
})
try {
  await migrate(db.sql, MIGRATIONS_DIR)
} catch (error) {
  process.stderr.write(`clearinghouse: migrations failed on ${db.description}: ${error}\n`)
  await db.close()
  process.exit(1)
}
const { app } = buildApp({
  config,
  tracing: startTracing({ serviceName: 'clearinghouse', version: VERSION, env: config }),
  db,
  store: openObjects(config.S3_BUCKET, { aws }),
  events: config.S3_EVENTS_QUEUE_URL ? openQueue(config.S3_EVENTS_QUEUE_URL, { aws }) : undefined,
})
await runService(app, { port: config.PORT, host: config.HOST })
