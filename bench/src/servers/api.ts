// `node src/servers/api.ts`: the api on the PostgreSQL server at DATABASE_URL (a fresh, migrated
// schema holding one user with all three records, dropped on SIGTERM) with in-process stand-ins
// for S3 (both buckets), SNS and SQS. Announces `{ port, databaseUrl }`, the schema's URL for the reference.
import { join } from 'node:path'
import { buildApp } from '@ferry/api/app'
import { Config } from '@ferry/api/config'
import { KINDS } from '@ferry/api/users/kinds'
import { insertRecord } from '@ferry/api/users/records'
import { memoryQueue, memoryStore, memoryTopic } from '@ferry/cloud/testing'
import { createTestDatabase } from '@ferry/db/testing'
import { Value } from '@sinclair/typebox/value'
import { API_SECRET, BENCH_USER } from '../payload.ts'
import { peakRssMb, serve } from './child.ts'

/** The bench user with all three records, as GET /users/{id} reads them. */
export async function seedUser(sql: Parameters<typeof insertRecord>[0]) {
  await insertRecord(sql, KINDS.personal, {
    user_id: BENCH_USER,
    name: 'Bench User',
    email: 'bench@example.com',
    phone: '+1 555 0100',
    date_of_birth: '1990-01-01',
  })
  await insertRecord(sql, KINDS.financial, {
    user_id: BENCH_USER,
    account_number: 'ACC-0001',
    credit_score: 720,
    annual_income: 85_000,
    total_debt: 12_000.5,
  })
  await insertRecord(sql, KINDS.health, {
    user_id: BENCH_USER,
    blood_type: 'O+',
    conditions: ['asthma'],
    medications: [],
    allergies: ['pollen'],
  })
}

if (import.meta.main) {
  const migrations = join(import.meta.dirname, '..', '..', '..', 'services', 'api', 'migrations')
  const db = await createTestDatabase({ migrations })
  await seedUser(db.sql)
  const config = Value.Parse(Config, {
    DATABASE_URL: db.url,
    S3_BUCKET_NAME: 'memory',
    SNS_TOPIC_ARN: 'memory',
    SQS_QUEUE_URL: 'memory',
    FILES_BUCKET: 'memory',
    JWT_SECRET: API_SECRET,
    LOG_LEVEL: 'warn',
  })
  const { app } = buildApp({
    config,
    db,
    store: memoryStore(),
    files: memoryStore(),
    topic: memoryTopic(),
    queue: memoryQueue(),
  })
  const close = async () => {
    await app.close()
    await db.cleanup()
  }
  await serve(app, () => ({ peak_rss_mb: peakRssMb() }), close, { databaseUrl: db.url })
}
