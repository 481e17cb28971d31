// `node src/servers/bare-logged.ts` (PORT set): the reference of the real-path HTTP rows — a bare
// Fastify with its default request logging (two lines a request, to stdout) answering `{}` to
// POST /ingest after parsing the JSON body, and 200 to GET /health.
import Fastify from 'fastify'

const app = Fastify({ logger: true })
app.get('/health', async () => ({ status: 'ok' }))
app.post('/ingest', async () => ({}))
await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' })
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
