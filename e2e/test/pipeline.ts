import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AwsOptions, type ObjectStore, openObjects, openQueue, type Queue } from '@ferry/cloud'
import { createTestBucket, createTestParameter, createTestQueue } from '@ferry/cloud/testing'

export const TOKEN = 'e2e-token-0123456789'

/** Where the ingest pipeline's queue, bucket and token live: local directories or moto. */
export interface Pipeline {
  /** Environment shared by ingest-api and worker. */
  env: Record<string, string>
  queueUrl: string
  bucket: string
  queue: Queue
  objects: ObjectStore
  cleanup(): Promise<void>
}

export async function localPipeline(): Promise<Pipeline> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-'))
  await writeFile(join(dir, 'token'), TOKEN)
  const queueUrl = `file://${join(dir, 'queue')}?maxReceiveCount=5`
  const bucket = `file://${join(dir, 'bucket')}`
  const queue = openQueue(queueUrl)
  const objects = openObjects(bucket)
  return {
    env: {
      SSM_TOKEN_PARAM: `file://${join(dir, 'token')}`,
      SQS_QUEUE_URL: queueUrl,
      S3_BUCKET: bucket,
    },
    queueUrl,
    bucket,
    queue,
    objects,
    async cleanup() {
      await queue.close()
      await objects.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export async function motoPipeline(aws: AwsOptions): Promise<Pipeline> {
  const testQueue = await createTestQueue(aws, { maxReceiveCount: 5 })
  const testBucket = await createTestBucket(aws)
  const param = await createTestParameter(aws, TOKEN)
  const queue = openQueue(testQueue.url, { aws })
  const objects = openObjects(testBucket.name, { aws })
  return {
    env: {
      SSM_TOKEN_PARAM: param.name,
      SQS_QUEUE_URL: testQueue.url,
      S3_BUCKET: testBucket.name,
      AWS_ENDPOINT_URL: aws.endpoint ?? '',
      AWS_REGION: aws.region ?? 'us-east-1',
    },
    queueUrl: testQueue.url,
    bucket: testBucket.name,
    queue,
    objects,
    async cleanup() {
      await queue.close()
      await objects.close()
      await testQueue.cleanup()
      await testBucket.cleanup()
      await param.cleanup()
    },
  }
}

/** Every object under `prefix`, parsed as JSON. */
export async function readAll(objects: ObjectStore, prefix = 'emails/'): Promise<unknown[]> {
  const keys: string[] = []
  let cursor: string | undefined
  do {
    const page = await objects.list({ prefix, cursor })
    keys.push(...page.objects.map((o) => o.key))
    cursor = page.nextCursor
  } while (cursor)
  return Promise.all(
    keys.map(async (key) => JSON.parse((await objects.getBuffer(key)).body.toString('utf8'))),
  )
}

export async function countObjects(objects: ObjectStore, prefix = 'emails/'): Promise<number> {
  let count = 0
  let cursor: string | undefined
  do {
    const page = await objects.list({ prefix, cursor })
    count += page.objects.length
    cursor = page.nextCursor
  } while (cursor)
  return count
}

/** A JSONL file of `n` distinct email payloads, each carrying its number in `n`. */
export async function payloadFile(dir: string, n: number): Promise<string> {
  const path = join(dir, `payloads-${n}.jsonl`)
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      email_subject: `e2e ${i}`,
      email_sender: 'e2e@example.com',
      email_content: `payload ${i}`,
      email_timestream: 1_700_000_000 + i,
      n: i,
    }),
  )
  await writeFile(path, `${lines.join('\n')}\n`)
  return path
}
