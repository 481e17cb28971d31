// Child process: drains N envelopes through the worker with in-process SQS/S3 stand-ins, then
// the same N raw PutObject calls at the same concurrency. `node src/worker-drain.ts N`.
import { uuidv7 } from '@ferry/schemas'
import { Value } from '@sinclair/typebox/value'
import { buildApp } from '../../services/worker/src/app.ts'
import { Config } from '../../services/worker/src/config.ts'
import { memoryQueue, memoryStore } from './standins.ts'

const CONCURRENCY = 32
/** A PutObject round trip of the stand-in S3, the same for the worker and the reference. */
export const PUT_LATENCY_MS = 5

function envelope(i: number): string {
  return JSON.stringify({
    message_id: uuidv7(),
    received_at: new Date().toISOString(),
    payload_version: 'v1',
    data: {
      email_subject: `bench ${i}`,
      email_sender: 's@example.com',
      email_content: 'x'.repeat(200),
      email_timestream: 1_700_000_000,
    },
  })
}

async function drain(n: number) {
  const queue = memoryQueue()
  const objects = memoryStore(PUT_LATENCY_MS)
  queue.seed(Array.from({ length: n }, (_, i) => envelope(i)))
  const config = Value.Parse(Config, {
    SQS_QUEUE_URL: 'memory://queue',
    S3_BUCKET: 'memory',
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    POLL_WAIT_SECONDS: '1',
  })
  const started = performance.now()
  const { app } = buildApp({ config, queue, objects })
  await app.ready()
  while (objects.size() < n) await new Promise((r) => setTimeout(r, 5))
  while ((await queue.depth()).inFlight > 0) await new Promise((r) => setTimeout(r, 5))
  const seconds = (performance.now() - started) / 1000
  await app.close()
  const sqs = Object.values(queue.calls).reduce((a, b) => a + b, 0)
  const s3 = Object.values(objects.calls).reduce((a, b) => a + b, 0)
  return { rate: n / seconds, sqs_per_message: sqs / n, s3_per_message: s3 / n }
}

async function rawPuts(n: number) {
  const objects = memoryStore(PUT_LATENCY_MS)
  const bodies = Array.from({ length: n }, (_, i) => envelope(i))
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++
        await objects.put(`raw/${i}.json`, bodies[i] ?? '', {
          ifNoneMatch: '*',
          contentType: 'application/json',
        })
      }
    }),
  )
  return { rate: n / ((performance.now() - started) / 1000) }
}

if (import.meta.main) {
  const n = Number(process.argv[2] ?? 20_000)
  const reference = await rawPuts(n)
  const worker = await drain(n)
  const peak = process.resourceUsage().maxRSS / 1024
  process.stdout.write(`${JSON.stringify({ messages: n, worker, reference, peak_rss_mb: peak })}\n`)
}
