// Child process for the api benchmark: the api on the real PostgreSQL server (a fresh schema)
// with stand-ins for S3/SNS/SQS, and the reference — the same queries from a bare postgres.js
// loop. `node src/api-server.ts` prints `LISTENING <port> <schema-url>`.
import { join } from 'node:path'
import type { Topic } from '@ferry/cloud'
import { migrate } from '@ferry/db'
import { createTestDatabase } from '@ferry/db/testing'
import { Value } from '@sinclair/typebox/value'
import { buildApp } from '../../services/api/src/app.ts'
import { Config } from '../../services/api/src/config.ts'
import { memoryQueue, memoryStore } from './standins.ts'

export const API_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789'

const topic: Topic = {
  arn: 'memory',
  publish: async () => ({ messageId: 'm' }),
  ping: async () => {},
  close: async () => {},
}

if (import.meta.main) {
  const db = await createTestDatabase({ backend: 'postgres' })
  await migrate(db.sql, join(import.meta.dirname, '..', '..', 'services', 'api', 'migrations'))
  await db.sql`insert into users_personal (user_id, name, email) values ('bench-user', 'Bench', 'b@example.com')`
  const config = Value.Parse(Config, {
    DATABASE_URL: db.url,
    S3_BUCKET_NAME: 'memory',
    SNS_TOPIC_ARN: 'memory',
    SQS_QUEUE_URL: 'memory',
    JWT_SECRET: API_SECRET,
    LOG_LEVEL: 'warn',
  })
  const app = buildApp({ config, db, store: memoryStore(), topic, queue: memoryQueue() })
  app.register(async (scope) => {
    scope.get('/__bench', async () => ({ peak_rss_mb: process.resourceUsage().maxRSS / 1024 }))
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  process.stdout.write(`LISTENING ${port} ${db.url}\n`)
  process.on('SIGTERM', async () => {
    await app.close()
    await db.cleanup()
    process.exit(0)
  })
}
