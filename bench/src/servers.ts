// Child-process servers for the HTTP benchmarks, so the load generator and the service each get
// their own event loop: `node src/servers.ts ingest|bare`. Prints `LISTENING <port>`.
import { Value } from '@sinclair/typebox/value'
import Fastify from 'fastify'
import { buildApp } from '../../services/ingest-api/src/app.ts'
import { Config } from '../../services/ingest-api/src/config.ts'
import { fixedSecret, memoryQueue } from './standins.ts'

export const BENCH_TOKEN = 'bench-token-0123456789'

const peakRssMb = () => process.resourceUsage().maxRSS / 1024

async function ingest() {
  const queue = memoryQueue({ retain: false })
  const config = Value.Parse(Config, {
    SQS_QUEUE_URL: 'memory://queue',
    SSM_TOKEN_PARAM: 'memory',
    LOG_LEVEL: 'warn',
  })
  const { app, publisher } = buildApp({ config, queue, secret: fixedSecret(BENCH_TOKEN) })
  app.register(async (scope) => {
    scope.get('/__bench', async () => ({
      sqs_requests: queue.calls.SendMessageBatch ?? 0,
      published: publisher.stats().published,
      peak_rss_mb: peakRssMb(),
    }))
  })
  return app
}

async function bare() {
  const app = Fastify()
  app.post('/ingest', async () => ({}))
  app.get('/__bench', async () => ({ sqs_requests: 0, published: 0, peak_rss_mb: peakRssMb() }))
  return app
}

if (import.meta.main) {
  const app = process.argv[2] === 'bare' ? await bare() : await ingest()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`)
  process.on('SIGTERM', async () => {
    await app.close()
    process.exit(0)
  })
}
