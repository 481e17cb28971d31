// The worker draining queued messages to S3, beside the same number of raw PutObject calls at the
// same concurrency: once with in-process stand-ins, once against the emulator at AWS_ENDPOINT_URL.
import { join } from 'node:path'
import { openQueue } from '@ferry/cloud'
import { awsTestOptions, createTestBucket, createTestQueue } from '@ferry/cloud/testing'
import { runJson, SERVERS } from './children.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { envelopeBody } from './payload.ts'
import type { Figures, Row } from './report.ts'
import { awsFromEnv, CONCURRENCY, type DrainResult, STANDIN_PUT_MS } from './worker-settings.ts'

const SQS_REQUESTS = ['ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility']

const figures = (r: DrainResult): Figures => ({
  throughput: r.messages / r.seconds,
  p50_ms: r.p50_ms,
  p99_ms: r.p99_ms,
  peak_rss_mb: r.peak_rss_mb,
})

function row(name: string, worker: DrainResult, reference: DrainResult, note: string): Row {
  const perMessage = (names: string[]) =>
    names.reduce((sum, n) => sum + (worker.calls[n] ?? 0), 0) / worker.messages
  const sqs = perMessage(SQS_REQUESTS)
  const ratio = worker.messages / worker.seconds / (reference.messages / reference.seconds)
  return {
    name,
    unit: 'msg/s',
    measured: figures(worker),
    reference: { label: 'raw PutObject', ...figures(reference) },
    ratio,
    aws_per_message: { SQS: sqs, S3: perMessage(['PutObject', 'HeadObject']) },
    target: '≤ 0.25 SQS/msg, ≥ 80% of raw PutObject',
    met: sqs <= 0.25 && ratio >= 0.8,
    note,
  }
}

async function standinRow(n: number): Promise<Row> {
  const reference = await runJson<DrainResult>(join(SERVERS, 'puts.ts'), ['standin', String(n)])
  const worker = await runJson<DrainResult>(join(SERVERS, 'worker.ts'), ['standin', String(n)])
  return row(
    `worker, ${n.toLocaleString('en-US')} messages, stand-in SQS/S3`,
    worker,
    reference,
    `stand-in S3 answers each PutObject in ${STANDIN_PUT_MS} ms; ${CONCURRENCY} in flight; ` +
      'latency is receive → delete per message (reference: per PutObject)',
  )
}

/** Sends n envelopes in batches of 10, a few requests at a time (moto slows under more). */
async function seed(queueUrl: string, n: number): Promise<void> {
  const queue = openQueue(queueUrl, { aws: awsFromEnv() })
  let next = 0
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let start = next; start < n; start = next) {
        next += 10
        const count = Math.min(10, n - start)
        const messages = Array.from({ length: count }, (_, i) => ({
          id: String(i),
          body: envelopeBody(start + i),
        }))
        const { failed } = await queue.send(messages)
        if (failed.length > 0) throw new Error(`seeding: ${failed[0]?.message}`)
      }
    }),
  )
  await queue.close()
}

async function emulatorRow(n: number): Promise<Row> {
  const aws = awsTestOptions()
  if (!aws) throw new Error('unreachable: checked by the caller')
  const bucket = await createTestBucket(aws, 'ferry-bench')
  const queue = await createTestQueue(aws, { prefix: 'ferry-bench', visibilityTimeout: 60 })
  try {
    await seed(queue.url, n)
    const worker = await runJson<DrainResult>(join(SERVERS, 'worker.ts'), [
      'aws',
      String(n),
      queue.url,
      bucket.name,
    ])
    const reference = await runJson<DrainResult>(join(SERVERS, 'puts.ts'), [
      'aws',
      String(n),
      bucket.name,
    ])
    return row(
      `worker, ${n.toLocaleString('en-US')} messages, emulator at AWS_ENDPOINT_URL`,
      worker,
      reference,
      `the worker's own SQS/S3 drivers against ${aws.endpoint}; ${CONCURRENCY} in flight`,
    )
  } finally {
    await bucket.cleanup()
    await queue.cleanup()
  }
}

export async function workerBench(options: BenchOptions): Promise<BenchOutcome> {
  const rows = [await standinRow(options.short ? 1_000 : 20_000)]
  if (!awsTestOptions()) {
    return { rows, skipped: ['worker against the emulator: skipped, AWS_ENDPOINT_URL is not set'] }
  }
  rows.push(await emulatorRow(options.short ? 50 : 500))
  return { rows, skipped: [] }
}
