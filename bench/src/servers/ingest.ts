// `node src/servers/ingest.ts service|bare`: the ingest-api built with in-process SQS/SSM
// stand-ins, or the reference — a bare Fastify route answering `{}` — listening on a free port.
// Stats: the AWS requests the service made, the messages it published and its peak RSS.
import { memoryQueue, memorySecret } from '@ferry/cloud/testing'

import { buildApp } from '@ferry/ingest-api/app'
import { Config } from '@ferry/ingest-api/config'
import { Value } from '@sinclair/typebox/value'
import Fastify from 'fastify'
import { BENCH_TOKEN } from '../payload.ts'
import { type Calls, probeQueue, tally } from '../probes.ts'
import { peakRssMb, serve } from './child.ts'

export interface IngestStats {
  calls: Calls
  published: number
  peak_rss_mb: number
}

async function service() {
  const config = Value.Parse(Config, {
    SQS_QUEUE_URL: 'memory://queue',
    SSM_TOKEN_PARAM: 'memory',
    LOG_LEVEL: 'warn',
  })
  const probe = probeQueue(memoryQueue({ retain: false }))
  const ssm: Calls = {}
  const secret = memorySecret(BENCH_TOKEN, config.TOKEN_CACHE_TTL_SECONDS, () =>
    tally(ssm, 'GetParameter'),
  )
  const { app, publisher } = buildApp({ config, queue: probe.queue, secret })
  const stats = (): IngestStats => ({
    calls: { ...probe.calls, ...ssm },
    published: publisher.stats().published,
    peak_rss_mb: peakRssMb(),
  })
  await serve(app, stats, () => app.close())
}

async function bare() {
  const app = Fastify()
  app.post('/ingest', async () => ({}))
  const stats = (): IngestStats => ({ calls: {}, published: 0, peak_rss_mb: peakRssMb() })
  await serve(app, stats, () => app.close())
}

if (import.meta.main) await (process.argv[2] === 'bare' ? bare() : service())
