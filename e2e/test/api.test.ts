import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { subscribeLocalQueue } from '@ferry/cloud'
import {
  awsTestOptions,
  createTestBucket,
  createTestQueue,
  createTestTopic,
} from '@ferry/cloud/testing'
import { createTestDatabase, startTestPostgres } from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startService, waitFor } from '../src/index.ts'
import { JWT_SECRET, jwt } from './jwt.ts'

interface Backend {
  env: Record<string, string>
  cleanup(): Promise<void>
}

async function embedded(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-api-'))
  const queue = `file://${join(dir, 'events')}?maxReceiveCount=5`
  await subscribeLocalQueue(join(dir, 'topic'), queue)
  const server = await startTestPostgres()
  await server.ensureDatabase('api')
  return {
    env: {
      DATABASE_URL: server.url('api'),
      S3_BUCKET_NAME: `file://${join(dir, 'documents')}`,
      SNS_TOPIC_ARN: `file://${join(dir, 'topic')}`,
      SQS_QUEUE_URL: queue,
      FILES_BUCKET: `file://${join(dir, 'files')}`,
      PRESIGN_SECRET: 'e2e-presign-secret-0123456789abcdef',
    },
    async cleanup() {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function onAws(): Promise<Backend> {
  const aws = awsTestOptions() ?? {}
  const bucket = await createTestBucket(aws)
  const files = await createTestBucket(aws)
  const queue = await createTestQueue(aws, { maxReceiveCount: 5 })
  const topic = await createTestTopic(aws, [queue.arn])
  const db = await createTestDatabase()
  return {
    env: {
      DATABASE_URL: db.url,
      S3_BUCKET_NAME: bucket.name,
      FILES_BUCKET: files.name,
      SNS_TOPIC_ARN: topic.arn,
      SQS_QUEUE_URL: queue.url,
      AWS_ENDPOINT_URL: aws.endpoint ?? '',
      AWS_REGION: aws.region ?? 'us-east-1',
    },
    async cleanup() {
      await topic.cleanup()
      await queue.cleanup()
      await bucket.cleanup()
      await files.cleanup()
      await db.cleanup()
    },
  }
}

const backends: [string, () => Promise<Backend>][] = [['embedded default', embedded]]
if (awsTestOptions() && process.env.DATABASE_URL) backends.push(['moto + PostgreSQL server', onAws])

describe.each(backends)('api: DB → export → consumer → S3 → GET (%s)', (_, open) => {
  let backend: Backend
  let api: Running
  const user = jwt({ sub: 'e2e-user', roles: [] })
  const call = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${api.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })
  beforeAll(async () => {
    backend = await open()
    api = await startService('api', { ...backend.env, JWT_SECRET })
  })
  afterAll(async () => {
    expect(await api.stop()).toBe(0)
    await backend.cleanup()
  })

  it('exports a financial record through the queue and reads the same decimals back from S3', async () => {
    const record = {
      user_id: 'e2e-user',
      account_number: 'NL01',
      credit_score: 712,
      annual_income: 85000.55,
      total_debt: 1200.1,
    }
    expect((await call('/users/financial', { method: 'POST', body: record })).status).toBe(201)
    const sent = await call('/users/sqs/send', {
      method: 'POST',
      body: { user_id: 'e2e-user', data_type: 'financial' },
    })
    expect(sent.status).toBe(200)
    let doc: Record<string, unknown> = {}
    await waitFor('the exported snapshot in S3', async () => {
      const res = await call('/users/e2e-user/s3/financial')
      if (res.status !== 200) return false
      doc = (await res.json()) as Record<string, unknown>
      return true
    })
    expect(doc).toMatchObject({
      user_id: 'e2e-user',
      credit_score: 712,
      annual_income: 85000.55,
      total_debt: 1200.1,
    })
  })
})
