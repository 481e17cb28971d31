// `node src/standin/server.ts`: a fast AWS stand-in (SQS, S3, SSM) in a process of its own, so
// that a benchmark pays for what production pays — the AWS SDK over HTTP — without paying for
// moto's own slowness. Loopback only; it announces `{ port }` over IPC (or prints it without a
// parent) and counts every request by operation.
//
// Control routes for the benchmark (never AWS operations):
//   GET  /__standin/stats            {"calls": {"SendMessageBatch": 12, …}}
//   POST /__standin/reset            zeroes the counts
//   GET  /__standin/depth/<queue>    {"depth": n}: messages left in a queue
//   GET  /__standin/count/<bucket>   {"count": n}: objects in a bucket
//   PUT  /__standin/seed/<bucket>/<key>  stores the body as an object (not counted)
//   POST /__standin/fill/<queue>     queues each string of the JSON array body (not counted)
// SSM parameters come from STANDIN_PARAMETERS, a JSON object of name → value.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createS3 } from './s3.ts'
import { createSqs, SqsError } from './sqs.ts'

type Calls = Record<string, number>

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    )
    req.on('error', reject)
  })
}

function sendJson(res: ServerResponse, status: number, value: object, type = 'application/json') {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Starts the stand-in on a free loopback port; resolves with the port and a close function. */
export async function startStandin(parameters: Record<string, string> = {}) {
  const sqs = createSqs()
  const s3 = createS3()
  let calls: Calls = {}
  const count = (operation: string) => {
    calls[operation] = (calls[operation] ?? 0) + 1
  }

  async function json(target: string, body: Buffer, res: ServerResponse) {
    const [service, operation = ''] = target.split('.')
    const input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {}
    count(operation)
    if (service === 'AmazonSSM') {
      const value = parameters[input.Name]
      if (operation !== 'GetParameter' || value === undefined) {
        sendJson(res, 400, { __type: 'ParameterNotFound', message: `no parameter ${input.Name}` })
        return
      }
      const Parameter = { Name: input.Name, Type: 'SecureString', Value: value, Version: 1 }
      sendJson(res, 200, { Parameter }, 'application/x-amz-json-1.1')
      return
    }
    try {
      sendJson(res, 200, await sqs.handle(operation, input), 'application/x-amz-json-1.0')
    } catch (error) {
      const code = error instanceof SqsError ? error.code : 'InternalError'
      sendJson(res, 400, { __type: `com.amazonaws.sqs#${code}`, message: String(error) })
    }
  }

  function control(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) {
    const [, , what, ...rest] = url.pathname.split('/')
    if (what === 'stats') return sendJson(res, 200, { calls })
    if (what === 'reset') {
      calls = {}
      return sendJson(res, 200, {})
    }
    if (what === 'depth') return sendJson(res, 200, { depth: sqs.depth(rest[0] ?? '') })
    if (what === 'count') return sendJson(res, 200, { count: s3.count(rest[0] ?? '') })
    if (what === 'fill' && req.method === 'POST') {
      sqs.fill(rest[0] ?? '', JSON.parse(body.toString('utf8')) as string[])
      return sendJson(res, 200, {})
    }
    if (what === 'seed' && req.method === 'PUT') {
      s3.seed(rest[0] ?? '', decodeURIComponent(rest.slice(1).join('/')), body)
      return sendJson(res, 200, {})
    }
    sendJson(res, 404, { message: `no control route ${url.pathname}` })
  }

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    readBody(req)
      .then(
        async (body) => {
          const url = new URL(req.url ?? '/', 'http://standin')
          const target = req.headers['x-amz-target']
          if (typeof target === 'string') return json(target, body, res)
          if (url.pathname.startsWith('/__standin/')) return control(req, res, url, body)
          count(s3.handle(req, res, url, body))
        },
        (error: unknown) => sendJson(res, 500, { message: String(error) }),
      )
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: String(error) })
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

if (import.meta.main) {
  const parameters = JSON.parse(process.env.STANDIN_PARAMETERS ?? '{}') as Record<string, string>
  const { port, close } = await startStandin(parameters)
  process.once('SIGTERM', () => close().then(() => process.exit(0)))
  if (process.send) process.send({ port })
  else console.log(JSON.stringify({ port }))
}
