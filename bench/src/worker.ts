// The worker draining queued messages to S3, beside the same number of raw PutObject calls at the
// same concurrency: once with in-process stand-ins, once against the emulator at AWS_ENDPOINT_URL.
import { join } from 'node:path'
import { awsTestOptions, createTestBucket, createTestQueue } from '@ferry/cloud/testing'
import { runJson, SERVERS } from './children.ts'
import { feedQueue } from './feeder.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { SQS_REQUESTS } from './probes.ts'
import type { Figures, Row } from './report.ts'
import { CONCURRENCY, type DrainResult, STANDIN_PUT_MS } from './worker-settings.ts'

const S3_REQUESTS = ['PutObject', 'HeadObject']
/** Messages queued or in flight at most while the worker drains moto (see feeder.ts). */
const WINDOW = 300

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
  const s3 = perMessage(S3_REQUESTS)
  const ratio = worker.messages / worker.seconds / (reference.messages / reference.seconds)
  const per = (request: string) => (worker.messages / (worker.calls[request] ?? 0)).toFixed(1)
  const batches = `${per('ReceiveMessage')} messages per receive, ${per('DeleteMessageBatch')} per delete`
  return {
    name,
    unit: 'msg/s',
    measured: figures(worker),
    reference: { label: 'raw PutObject', ...figures(reference) },
    ratio,
    aws_per_message: { SQS: sqs, S3: s3 },
    target: '≤ 0.25 SQS/msg, ≥ 80% of raw PutObject',
    met: sqs <= 0.25 && ratio >= 0.8,
    note: `${note}; ${batches}`,
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

async function emulatorRow(n: number): Promise<Row> {
  const aws = awsTestOptions()
  if (!aws) throw new Error('unreachable: checked by the caller')
  const bucket = await createTestBucket(aws, 'ferry-bench')
  const queue = await createTestQueue(aws, { prefix: 'ferry-bench', visibilityTimeout: 60 })
  try {
    const feeder = feedQueue(queue.url, n, WINDOW)
    await feeder.primed
    const drained = runJson<DrainResult>(join(SERVERS, 'worker.ts'), [
      'aws',
      String(n),
      queue.url,
      bucket.name,
    ])
    const [worker] = await Promise.all([drained, feeder.done]).catch((error: unknown) => {
      feeder.stop()
      throw error
    })
    const reference = await runJson<DrainResult>(join(SERVERS, 'puts.ts'), [
      'aws',
      String(n),
      bucket.name,
    ])
    return row(
      `worker, ${n.toLocaleString('en-US')} messages, moto SQS/S3`,
      worker,
      reference,
      `the worker's own SQS/S3 drivers against the emulator at ${aws.endpoint}, ${CONCURRENCY} in flight; ` +
        `a feeder keeps at most ${WINDOW} messages on the queue (moto's SQS slows as the queue ` +
        'deepens); the reference puts to the same bucket',
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
  rows.push(await emulatorRow(options.short ? 100 : 20_000))
  return { rows, skipped: [] }
}
