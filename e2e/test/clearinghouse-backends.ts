import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { awsTestOptions, createTestBucket } from '@ferry/cloud/testing'
import { connect, type Sql } from '@ferry/db'
import { createTestDatabase, startTestPostgres } from '@ferry/db/testing'

/** The clearinghouse's OPERATOR_TOKEN in every backend's env, and the header that carries it. */
export const OPERATOR_TOKEN = 'e2e-operator-token-0123456789'
export const operatorHeaders = { authorization: `Bearer ${OPERATOR_TOKEN}` }

/** Where a clearinghouse process under test reads files from and loads them into. */
export interface Backend {
  kind: 'embedded' | 'server'
  /** S3_BUCKET, DATABASE_URL, OPERATOR_TOKEN and the AWS settings to start the service with. */
  env: Record<string, string>
  bucket: string
  aws?: { endpoint?: string; region?: string }
  /** Runs `work` against the service's database. */
  inspect<T>(work: (sql: Sql) => Promise<T>): Promise<T>
  cleanup(): Promise<void>
}

/** A local bucket and an embedded PostgreSQL server of its own, as `npm start` runs it. */
async function embedded(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-ch-'))
  const bucket = `file://${join(dir, 'raw')}`
  const server = await startTestPostgres()
  await server.ensureDatabase('clearinghouse')
  const db = await connect(server.url('clearinghouse'))
  return {
    kind: 'embedded',
    env: { S3_BUCKET: bucket, DATABASE_URL: server.url('clearinghouse'), OPERATOR_TOKEN },
    bucket,
    inspect: (work) => work(db.sql),
    async cleanup() {
      await db.close()
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A moto bucket and a schema of its own on the PostgreSQL server. */
async function onAws(): Promise<Backend> {
  const aws = awsTestOptions() ?? {}
  const bucket = await createTestBucket(aws)
  const db = await createTestDatabase()
  return {
    kind: 'server',
    env: {
      S3_BUCKET: bucket.name,
      DATABASE_URL: db.url,
      AWS_ENDPOINT_URL: aws.endpoint ?? '',
      AWS_REGION: aws.region ?? 'us-east-1',
      OPERATOR_TOKEN,
    },
    bucket: bucket.name,
    aws,
    inspect: (work) => work(db.sql),
    async cleanup() {
      await bucket.cleanup()
      await db.cleanup()
    },
  }
}

/** The embedded default always; moto + the PostgreSQL server when both are configured. */
export const backends: [string, () => Promise<Backend>][] = [['embedded default', embedded]]
if (awsTestOptions() && process.env.DATABASE_URL) backends.push(['moto + PostgreSQL server', onAws])
