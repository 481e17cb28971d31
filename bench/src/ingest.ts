// ingest-api at 200 concurrent clients against in-process SQS/SSM stand-ins, beside a bare
// Fastify route returning `{}`: each server in its own process, autocannon in this one.
import { join } from 'node:path'
import { SERVERS, startServer } from './children.ts'
import { type HttpLoad, hammer } from './http-load.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { BENCH_TOKEN, INGEST_BODY } from './payload.ts'
import type { Row } from './report.ts'
import type { IngestStats } from './servers/ingest.ts'

const CONNECTIONS = 200

async function measure(mode: 'service' | 'bare', seconds: number, warmup: number) {
  const server = await startServer<{ port: number }, IngestStats>(join(SERVERS, 'ingest.ts'), [
    mode,
  ])
  try {
    const request = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}` },
      body: INGEST_BODY,
    }
    if (warmup > 0) await hammer(`${server.url}/ingest`, CONNECTIONS, warmup, request)
    const load = await hammer(`${server.url}/ingest`, CONNECTIONS, seconds, request)
    return { load, stats: await server.stats() }
  } finally {
    await server.stop()
  }
}

const figures = (load: HttpLoad, stats: IngestStats) => ({
  throughput: load.rps,
  p50_ms: load.p50_ms,
  p99_ms: load.p99_ms,
  peak_rss_mb: stats.peak_rss_mb,
})

export async function ingestBench(options: BenchOptions): Promise<BenchOutcome> {
  const seconds = options.short ? 3 : 20
  const warmup = options.short ? 0 : 3
  const reference = await measure('bare', seconds, warmup)
  const service = await measure('service', seconds, warmup)
  const published = Math.max(service.stats.published, 1)
  const sqs = (service.stats.calls.SendMessageBatch ?? 0) / published
  const ssm = (service.stats.calls.GetParameter ?? 0) / published
  const ratio = service.load.rps / reference.load.rps
  const failed = service.load.failures + reference.load.failures
  const row: Row = {
    name: `ingest-api POST /ingest, ${CONNECTIONS} clients, stand-in SQS/SSM`,
    unit: 'req/s',
    measured: figures(service.load, service.stats),
    reference: { label: 'bare Fastify route', ...figures(reference.load, reference.stats) },
    ratio,
    aws_per_message: { SQS: sqs, SSM: ssm },
    target: '≥ 50% of bare, ≤ 0.15 SQS/msg',
    met: ratio >= 0.5 && sqs <= 0.15 && failed === 0,
    note:
      `${seconds} s each${warmup > 0 ? ` after a ${warmup} s warm-up` : ''}; ` +
      `${service.stats.published} messages published` +
      (failed > 0 ? `; ${failed} requests failed` : ''),
  }
  return { rows: [row], skipped: [] }
}
