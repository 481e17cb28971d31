import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openObjects } from '@ferry/cloud'
import { awsTestOptions, createTestBucket } from '@ferry/cloud/testing'
import { createTestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startService, waitFor } from '../src/index.ts'

interface Backend {
  env: Record<string, string>
  bucket: string
  aws?: { endpoint?: string; region?: string }
  cleanup(): Promise<void>
}

async function embedded(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-ch-'))
  const bucket = `file://${join(dir, 'raw')}`
  return {
    env: { S3_BUCKET: bucket, DATABASE_URL: `pglite://${join(dir, 'pg')}` },
    bucket,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

async function onAws(): Promise<Backend> {
  const aws = awsTestOptions() ?? {}
  const bucket = await createTestBucket(aws)
  const db = await createTestDatabase({ backend: 'postgres' })
  return {
    env: {
      S3_BUCKET: bucket.name,
      DATABASE_URL: db.url,
      AWS_ENDPOINT_URL: aws.endpoint ?? '',
      AWS_REGION: aws.region ?? 'us-east-1',
    },
    bucket: bucket.name,
    aws,
    async cleanup() {
      await bucket.cleanup()
      await db.cleanup()
    },
  }
}

const backends: [string, () => Promise<Backend>][] = [['embedded default', embedded]]
if (awsTestOptions() && process.env.DATABASE_URL) backends.push(['moto + PostgreSQL server', onAws])

describe.each(backends)('S3 → clearinghouse → PostgreSQL (%s)', (_, open) => {
  let backend: Backend
  let service: Running
  beforeAll(async () => {
    backend = await open()
    service = await startService('clearinghouse', { ...backend.env, POLL_INTERVAL: '0.5' })
  })
  afterAll(async () => {
    expect(await service.stop()).toBe(0)
    await backend.cleanup()
  })

  it('loads a file put in the bucket: COMPLETED with its records', async () => {
    const store = openObjects(backend.bucket, { aws: backend.aws })
    const records = [{ type: 'order', id: 1 }, { type: 'order', id: 2 }, { id: 3 }]
    await store.put('incoming/orders.json', JSON.stringify({ records }), {
      contentType: 'application/json',
    })
    await store.put('incoming/notes.txt', 'not json')
    await store.close()
    type File = { s3_key: string; status: string; record_count: number; id: number }
    let files: File[] = []
    await waitFor('the file to complete', async () => {
      files = ((await (await fetch(`${service.url}/files`)).json()) as { files: File[] }).files
      return files.some((f) => f.status === 'COMPLETED')
    })
    expect(files).toHaveLength(1)
    expect(files[0]).toMatchObject({
      s3_key: 'incoming/orders.json',
      status: 'COMPLETED',
      record_count: 3,
    })
    const stats = (await (await fetch(`${service.url}/stats`)).json()) as { records_loaded: number }
    expect(stats.records_loaded).toBe(3)
  })
})
