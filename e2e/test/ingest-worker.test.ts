import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { awsTestOptions } from '@ferry/cloud/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startService, waitFor } from '../src/index.ts'
import { bulkIngest } from './bulk.ts'
import {
  countObjects,
  localPipeline,
  motoPipeline,
  type Pipeline,
  payloadFile,
  readAll,
  TOKEN,
} from './pipeline.ts'

const aws = awsTestOptions()
const backends: [string, () => Promise<Pipeline>][] = [['embedded default', localPipeline]]
if (aws) backends.push(['moto', () => motoPipeline(aws)])

const WORKER_ENV = { WORKER_CONCURRENCY: '16', POLL_WAIT_SECONDS: '1', VISIBILITY_TIMEOUT: '5' }

describe.each(backends)('ingest → queue → worker → S3 (%s)', (_, open) => {
  let pipeline: Pipeline
  let dir: string
  let ingest: Running
  beforeAll(async () => {
    pipeline = await open()
    dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-payloads-'))
    ingest = await startService('ingest-api', pipeline.env)
  })
  afterAll(async () => {
    expect(await ingest.stop()).toBe(0)
    await pipeline.cleanup()
    await rm(dir, { recursive: true, force: true })
  })

  async function drained() {
    const depth = await pipeline.queue.depth()
    return depth.visible === 0 && depth.inFlight === 0
  }

  it('turns N bulk-ingested payloads into exactly N objects matching what was sent, and drains the queue', async () => {
    const n = 120
    const worker = await startService('worker', { ...pipeline.env, ...WORKER_ENV })
    const sent = await bulkIngest(
      [await payloadFile(dir, n), '--url', ingest.url, '--plain'],
      TOKEN,
    )
    expect(sent.code).toBe(0)
    expect(sent.stdout).toContain(`200: ${n}`)
    await waitFor(`${n} objects`, async () => (await countObjects(pipeline.objects)) >= n)
    await waitFor('the queue to drain', drained)
    const bodies = (await readAll(pipeline.objects)) as {
      message_id: string
      data: { n: number; email_subject: string }
    }[]
    expect(bodies).toHaveLength(n)
    expect(bodies.map((b) => b.data.n).sort((a, b) => a - b)).toEqual([...Array(n).keys()])
    for (const body of bodies) expect(body.data.email_subject).toBe(`e2e ${body.data.n}`)
    expect(new Set(bodies.map((b) => b.message_id)).size).toBe(n)
    expect(await worker.stop()).toBe(0)
    await pipeline.objects.delete(
      (await pipeline.objects.list({ prefix: 'emails/' })).objects.map((o) => o.key),
    )
  })

  it('loses and duplicates nothing when the worker is killed with SIGKILL mid-stream and restarted', async () => {
    const n = 200
    const before = await countObjects(pipeline.objects)
    let worker = await startService('worker', {
      ...pipeline.env,
      ...WORKER_ENV,
      WORKER_CONCURRENCY: '4',
    })
    const sending = bulkIngest([await payloadFile(dir, n), '--url', ingest.url, '--plain'], TOKEN)
    await waitFor(
      'the first objects',
      async () => (await countObjects(pipeline.objects)) - before >= 10,
    )
    await worker.kill()
    const atKill = (await countObjects(pipeline.objects)) - before
    expect(atKill).toBeLessThan(n)
    expect((await sending).code).toBe(0)
    worker = await startService('worker', { ...pipeline.env, ...WORKER_ENV })
    await waitFor(`${n} objects`, async () => (await countObjects(pipeline.objects)) - before >= n)
    await waitFor('the queue to drain', drained)
    const bodies = (await readAll(pipeline.objects)) as { data: { n: number } }[]
    expect(bodies).toHaveLength(before + n)
    expect(bodies.map((b) => b.data.n).sort((a, b) => a - b)).toEqual([...Array(n).keys()])
    expect(await worker.stop()).toBe(0)
  })
})
