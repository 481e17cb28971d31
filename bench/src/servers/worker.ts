// `node src/servers/worker.ts N`: the worker drains N queued messages into a bucket, in this
// process, with in-process stand-ins (which it seeds). Prints a DrainResult line.
import type { ObjectStore, Queue } from '@ferry/cloud'
import { memoryQueue, memoryStore } from '@ferry/cloud/testing'
import { metricValue } from '@ferry/kit'
import { buildApp } from '@ferry/worker/app'
import { Config } from '@ferry/worker/config'
import { Value } from '@sinclair/typebox/value'
import { envelopeBody } from '../payload.ts'
import { probeQueue, probeStore } from '../probes.ts'
import { CONCURRENCY, type DrainResult, drainResult, STANDIN_PUT_MS } from '../worker-settings.ts'
import { printResult } from './child.ts'

const TIMEOUT_MS = 15 * 60_000

function drivers(n: number): { queue: Queue; objects: ObjectStore } {
  const queue = memoryQueue()
  queue.seed(Array.from({ length: n }, (_, i) => envelopeBody(i)))
  return { queue, objects: memoryStore(STANDIN_PUT_MS) }
}

async function drain(n: number): Promise<DrainResult> {
  const { queue, objects } = drivers(n)
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
  printResult(await drain(Number(process.argv[2] ?? 20_000)))
}
