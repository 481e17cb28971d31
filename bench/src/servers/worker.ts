// `node src/servers/worker.ts standin N` | `aws N <queue-url> <bucket>`: the worker drains N
// queued messages into the bucket, in this process with in-process stand-ins (which it seeds) or
// with its AWS drivers against AWS_ENDPOINT_URL (already seeded). Prints a DrainResult line.
import { type ObjectStore, openObjects, openQueue, type Queue } from '@ferry/cloud'
import { memoryQueue, memoryStore } from '@ferry/cloud/testing'
import { metricValue } from '@ferry/kit'
import { buildApp } from '@ferry/worker/app'
import { Config } from '@ferry/worker/config'
import { Value } from '@sinclair/typebox/value'
import { envelopeBody } from '../payload.ts'
import { probeQueue, probeStore } from '../probes.ts'
import {
  awsFromEnv,
  CONCURRENCY,
  type DrainResult,
  drainResult,
  STANDIN_PUT_MS,
} from '../worker-settings.ts'
import { printResult } from './child.ts'

const TIMEOUT_MS = 15 * 60_000

function drivers(mode: string, n: number): { queue: Queue; objects: ObjectStore } {
  if (mode === 'standin') {
    const queue = memoryQueue()
    queue.seed(Array.from({ length: n }, (_, i) => envelopeBody(i)))
    return { queue, objects: memoryStore(STANDIN_PUT_MS) }
  }
  const aws = awsFromEnv()
  return {
    queue: openQueue(process.argv[4] ?? '', { aws }),
    objects: openObjects(process.argv[5] ?? '', { aws }),
  }
}

async function drain(mode: string, n: number): Promise<DrainResult> {
  const { queue, objects } = drivers(mode, n)
  const q = probeQueue(queue)
  const s = probeStore(objects)
  const config = Value.Parse(Config, {
    SQS_QUEUE_URL: q.queue.url,
    S3_BUCKET: s.store.name,
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: String(CONCURRENCY),
  })
  const started = performance.now()
  const { app, metrics } = buildApp({ config, queue: q.queue, objects: s.store })
  await app.ready()
  for (let deleted = 0; deleted < n; deleted = await metricValue(metrics.deleted)) {
    if (performance.now() - started > TIMEOUT_MS) throw new Error(`drained only ${deleted} of ${n}`)
    await new Promise((r) => setTimeout(r, 5))
  }
  const seconds = (performance.now() - started) / 1000
  const calls = { ...q.calls, ...s.calls }
  await app.close()
  return drainResult(n, seconds, calls, q.latenciesMs)
}

if (import.meta.main) {
  printResult(await drain(process.argv[2] ?? 'standin', Number(process.argv[3] ?? 20_000)))
}
