// The worker, two lines. The real path: its own main.ts, bundled as its image runs it, at the
// default LOG_LEVEL, the AWS SDK over HTTP to the AWS stand-in in another process, beside the raw SDK calls from a bare loop.
// Logic alone: the app built in-process with in-process stand-ins, beside raw PutObject calls.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { runJson, SERVERS } from './children.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { envelopeBody } from './payload.ts'
import { SQS_REQUESTS } from './probes.ts'
import { IMAGE_NODE_FLAGS, serviceMain, startProcess } from './real-process.ts'
import type { Figures, Row } from './report.ts'
import { awsEnv, type Standin, startStandin } from './standin/client.ts'
import { CONCURRENCY, type DrainResult, STANDIN_PUT_MS } from './worker-settings.ts'

const S3_REQUESTS = ['PutObject', 'HeadObject']

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
  const reference = await runJson<DrainResult>(join(SERVERS, 'puts.ts'), [String(n)])
  const worker = await runJson<DrainResult>(join(SERVERS, 'worker.ts'), [String(n)])
  return row(
    `worker, ${n.toLocaleString('en-US')} messages, logic alone: in-process SQS/S3 stand-ins, LOG_LEVEL=warn`,
    worker,
    reference,
    `stand-in S3 answers each PutObject in ${STANDIN_PUT_MS} ms; ${CONCURRENCY} in flight; ` +
      'latency is receive → delete per message (reference: per PutObject)',
  )
}

/** Drains `n` messages with the worker's real main.ts against the stand-in over HTTP. */
async function realWorker(standin: Standin, n: number) {
  const worker = await startProcess(
    'worker',
    await serviceMain('worker'),
    {
      ...awsEnv(standin.endpoint),
      SQS_QUEUE_URL: standin.queueUrl('ingest'),
      S3_BUCKET: 'payloads',
    },
    IMAGE_NODE_FLAGS,
  )
  try {
    // Idle: listening, long-polling an empty queue.
    await new Promise((r) => setTimeout(r, 1000))
    const idle = worker.rssMb()
    await standin.reset()
    const bodies = Array.from({ length: n }, (_, i) => envelopeBody(i))
    const cpu = worker.cpuSeconds()
    const started = performance.now()
    await standin.fill('ingest', bodies)
    while ((await standin.count('payloads')) < n) await sleep(10)
    const seconds = (performance.now() - started) / 1000
    const cpuSeconds = worker.cpuSeconds() - cpu
    while ((await standin.depth('ingest')) > 0) await sleep(10)
    return {
      result: { messages: n, seconds, calls: await standin.calls(), p50_ms: null, p99_ms: null },
      figures: {
        throughput: n / seconds,
        p50_ms: null,
        p99_ms: null,
        peak_rss_mb: worker.peakRssMb(),
        idle_rss_mb: idle,
        cpu_us: (cpuSeconds * 1e6) / n,
      },
      logFile: worker.logFile,
    }
  } finally {
    await worker.stop()
  }
}

async function realPathRow(n: number): Promise<Row> {
  const standin = await startStandin()
  try {
    const worker = await realWorker(standin, n)
    await standin.fill(
      'reference',
      Array.from({ length: n }, (_, i) => envelopeBody(i)),
    )
    const loop = await runJson<DrainResult & { cpu_seconds: number }>(
      join(SERVERS, 'sdk-loop.ts'),
      [standin.queueUrl('reference'), 'reference', String(n)],
      awsEnv(standin.endpoint),
    )
    const calls = worker.result.calls
    const perMessage = (names: string[]) =>
      names.reduce((sum, name) => sum + (calls[name] ?? 0), 0) / n
    const sqs = perMessage(SQS_REQUESTS)
    const s3 = perMessage(S3_REQUESTS)
    const throughput = worker.figures.throughput
    const ratio = throughput / (loop.messages / loop.seconds)
    return {
      name: `worker, ${n.toLocaleString('en-US')} messages, real path: main.ts bundled as in the image, SDK over HTTP, LOG_LEVEL=info`,
      unit: 'msg/s',
      measured: worker.figures,
      reference: {
        label: 'raw SDK loop',
        throughput: loop.messages / loop.seconds,
        p50_ms: null,
        p99_ms: null,
        peak_rss_mb: loop.peak_rss_mb,
        cpu_us: (loop.cpu_seconds * 1e6) / loop.messages,
      },
      ratio,
      aws_per_message: { SQS: sqs, S3: s3 },
      target: '≥ 3,000 msg/s, ≤ 0.25 SQS + 1.0 S3/msg',
      met: throughput >= 3000 && sqs <= 0.25 && s3 <= 1.0,
      note:
        `the backlog is queued at once on the stand-in, timed from then to the last object; ` +
        `logs to ${worker.logFile}; the reference receives 10 at a time with up to ` +
        `${CONCURRENCY} messages in flight`,
    }
  } finally {
    await standin.stop()
  }
}

export async function workerBench(options: BenchOptions): Promise<BenchOutcome> {
  const n = options.short ? 1_000 : 20_000
  return { rows: [await realPathRow(n), await standinRow(n)], skipped: [] }
}
