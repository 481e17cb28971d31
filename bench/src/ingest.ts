// ingest-api, two lines. The real path: its own main.ts, bundled as its image runs it, at the
// default LOG_LEVEL (info) with its log lines going to a file, the AWS SDK talking HTTP to the AWS stand-in in another process,
// beside a bare Fastify route with Fastify's default request logging to a file. Logic alone: the
// app built in-process with in-process SQS/SSM stand-ins and logging at warn, beside a bare route.
// The load generator (autocannon) runs in this process.
import { join } from 'node:path'
import { SERVERS, startServer } from './children.ts'
import { type HttpLoad, hammer } from './http-load.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { BENCH_TOKEN, INGEST_BODY } from './payload.ts'
import { IMAGE_NODE_FLAGS, type RealProcess, serviceMain, startProcess } from './real-process.ts'
import type { Figures, Row } from './report.ts'
import type { IngestStats } from './servers/ingest.ts'
import { awsEnv, startStandin } from './standin/client.ts'

const CONNECTIONS = 50
const TOKEN_PARAM = '/bench/ingest-token'
const REQUEST = {
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}` },
  body: INGEST_BODY,
}

interface Timing {
  seconds: number
  warmup: number
}

const figures = (load: HttpLoad, peak: number | null): Figures => ({
  throughput: load.rps,
  p50_ms: load.p50_ms,
  p99_ms: load.p99_ms,
  peak_rss_mb: peak,
})

/**
 * Loads a started process: warm-up, then the measured run with its CPU time and memory. `idle`
 * is its resident set before any request, when the caller has already sent some.
 */
async function loadProcess(server: RealProcess, timing: Timing, idle = server.rssMb()) {
  const url = `${server.url}/ingest`
  if (timing.warmup > 0) await hammer(url, CONNECTIONS, timing.warmup, REQUEST)
  const cpuBefore = server.cpuSeconds()
  const load = await hammer(url, CONNECTIONS, timing.seconds, REQUEST)
  const cpu = server.cpuSeconds() - cpuBefore
  return {
    load,
    figures: {
      ...figures(load, server.peakRssMb()),
      idle_rss_mb: idle,
      cpu_us: (cpu * 1e6) / Math.max(load.total, 1),
    },
  }
}

async function realPathRow(timing: Timing): Promise<Row> {
  const bare = await startProcess('bare-fastify', join(SERVERS, 'bare-logged.ts'), {})
  const reference = await loadProcess(bare, timing).finally(() => bare.stop())
  const standin = await startStandin({ [TOKEN_PARAM]: BENCH_TOKEN })
  try {
    const service = await startProcess(
      'ingest-api',
      await serviceMain('ingest-api'),
      {
        ...awsEnv(standin.endpoint),
        SQS_QUEUE_URL: standin.queueUrl('ingest'),
        SSM_TOKEN_PARAM: TOKEN_PARAM,
      },
      IMAGE_NODE_FLAGS,
    )
    const measured = await (async () => {
      const idle = service.rssMb()
      if (timing.warmup > 0) await hammer(`${service.url}/ingest`, CONNECTIONS, 1, REQUEST)
      await standin.reset()
      return loadProcess(service, { ...timing, warmup: 0 }, idle)
    })().finally(() => service.stop())
    const calls = await standin.calls()
    const accepted = Math.max(measured.load.total - measured.load.failures, 1)
    const sqs = ((calls.SendMessageBatch ?? 0) + (calls.SendMessage ?? 0)) / accepted
    const ssm = (calls.GetParameter ?? 0) / accepted
    const ratio = measured.load.rps / reference.load.rps
    const failed = measured.load.failures + reference.load.failures
    return {
      name: `ingest-api POST /ingest, real path: main.ts bundled as in the image, SDK over HTTP, LOG_LEVEL=info, ${CONNECTIONS} clients`,
      unit: 'req/s',
      measured: measured.figures,
      reference: { label: 'bare Fastify, default logging', ...reference.figures },
      ratio,
      aws_per_message: { SQS: sqs, SSM: ssm },
      target: '≥ 70% of bare, ≥ 8,000 req/s, ≤ 0.15 SQS/msg',
      met: ratio >= 0.7 && measured.load.rps >= 8000 && sqs <= 0.15 && failed === 0,
      note:
        `${timing.seconds} s each after a warm-up; logs to ${service.logFile}; ` +
        `${calls.SendMessageBatch ?? 0} SendMessageBatch for ${accepted} messages` +
        (failed > 0 ? `; ${failed} requests failed` : ''),
    }
  } finally {
    await standin.stop()
  }
}

async function logicAlone(mode: 'service' | 'bare', timing: Timing) {
  const server = await startServer<{ port: number }, IngestStats>(join(SERVERS, 'ingest.ts'), [
    mode,
  ])
  try {
    const url = `${server.url}/ingest`
    if (timing.warmup > 0) await hammer(url, CONNECTIONS, timing.warmup, REQUEST)
    const load = await hammer(url, CONNECTIONS, timing.seconds, REQUEST)
    return { load, stats: await server.stats() }
  } finally {
    await server.stop()
  }
}

async function logicAloneRow(timing: Timing): Promise<Row> {
  const reference = await logicAlone('bare', timing)
  const service = await logicAlone('service', timing)
  const published = Math.max(service.stats.published, 1)
  const sqs = (service.stats.calls.SendMessageBatch ?? 0) / published
  const ratio = service.load.rps / reference.load.rps
  const failed = service.load.failures + reference.load.failures
  return {
    name: `ingest-api POST /ingest, logic alone: in-process SQS/SSM stand-ins, LOG_LEVEL=warn, ${CONNECTIONS} clients`,
    unit: 'req/s',
    measured: figures(service.load, service.stats.peak_rss_mb),
    reference: {
      label: 'bare Fastify, no logging',
      ...figures(reference.load, reference.stats.peak_rss_mb),
    },
    ratio,
    aws_per_message: { SQS: sqs },
    target: '≥ 50% of bare, ≤ 0.15 SQS/msg',
    met: ratio >= 0.5 && sqs <= 0.15 && failed === 0,
    note:
      `${service.stats.published} messages published` +
      (failed > 0 ? `; ${failed} requests failed` : ''),
  }
}

export async function ingestBench(options: BenchOptions): Promise<BenchOutcome> {
  const timing = options.short ? { seconds: 3, warmup: 0 } : { seconds: 20, warmup: 3 }
  return { rows: [await realPathRow(timing), await logicAloneRow(timing)], skipped: [] }
}
