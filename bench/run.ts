// `pnpm bench` (or `node bench/run.ts [--short] [ingest] [worker] [clearinghouse]`): runs each
// benchmark beside its reference on this machine, prints a table and writes
// bench/results/<time>.json and bench/results/latest.md. Not a test: figures, not verdicts.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { connect } from '@ferry/db'
import autocannon from 'autocannon'
import { signHs256 } from '../services/api/src/tokens.ts'
import { API_SECRET } from './src/api-server.ts'
import { BENCH_TOKEN } from './src/servers.ts'

interface Row {
  name: string
  throughput: string
  reference: string
  ratio: number
  p50_ms?: number
  p99_ms?: number
  peak_rss_mb: number
  aws_per_message: string
  target: string
  met: boolean
}

const here = import.meta.dirname
const args = process.argv.slice(2)
const short = args.includes('--short') || process.env.BENCH_SHORT === '1'
const only = args.filter((a) => !a.startsWith('--'))
const wanted = (name: string) => only.length === 0 || only.includes(name)

function child(script: string, childArgs: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [script, ...childArgs], {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
}

async function startServer(kind: 'ingest' | 'bare') {
  const proc = child(join(here, 'src', 'servers.ts'), [kind])
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      const m = /LISTENING (\d+)/.exec(chunk.toString())
      if (m) resolve(Number(m[1]))
    })
    proc.on('exit', (code) => reject(new Error(`${kind} server exited ${code}`)))
  })
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    stats: async () =>
      (await (await fetch(`${url}/__bench`)).json()) as {
        sqs_requests: number
        published: number
        peak_rss_mb: number
      },
    stop: () => new Promise<void>((r) => proc.on('exit', () => r()) && proc.kill('SIGTERM')),
  }
}

async function load(url: string, seconds: number) {
  const body = JSON.stringify({
    data: {
      email_subject: 'bench',
      email_sender: 's@example.com',
      email_content: 'x'.repeat(200),
      email_timestream: 1_700_000_000,
    },
  })
  const result = await autocannon({
    url: `${url}/ingest`,
    method: 'POST',
    connections: 200,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}` },
    body,
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    total: result.requests.total,
  }
}

async function ingestRow(): Promise<Row> {
  const seconds = short ? 3 : 20
  const bare = await startServer('bare')
  const reference = await load(bare.url, seconds)
  await bare.stop()
  const ingest = await startServer('ingest')
  const measured = await load(ingest.url, seconds)
  const stats = await ingest.stats()
  await ingest.stop()
  const ratio = measured.rps / reference.rps
  const perMessage = stats.sqs_requests / Math.max(stats.published, 1)
  return {
    name: 'ingest-api, 200 clients (stand-in SQS/SSM)',
    throughput: `${Math.round(measured.rps)} req/s`,
    reference: `${Math.round(reference.rps)} req/s bare Fastify`,
    ratio,
    p50_ms: measured.p50,
    p99_ms: measured.p99,
    peak_rss_mb: stats.peak_rss_mb,
    aws_per_message: `${perMessage.toFixed(3)} SQS`,
    target: '≥ 50% of bare, ≤ 0.15 SQS/msg',
    met: ratio >= 0.5 && perMessage <= 0.15,
  }
}

async function jsonFromChild(
  script: string,
  childArgs: string[],
  env: Record<string, string> = {},
) {
  const proc = child(script, childArgs, env)
  let out = ''
  proc.stdout?.on('data', (c) => (out += c))
  const code = await new Promise<number | null>((r) => proc.on('exit', r))
  if (code !== 0) throw new Error(`${script} exited ${code}`)
  const last = out.trim().split('\n').at(-1) ?? '{}'
  return JSON.parse(last) as Record<string, unknown>
}

async function workerRow(): Promise<Row> {
  const n = short ? 2_000 : 20_000
  const r = (await jsonFromChild(join(here, 'src', 'worker-drain.ts'), [String(n)])) as {
    worker: { rate: number; sqs_per_message: number; s3_per_message: number }
    reference: { rate: number }
    peak_rss_mb: number
  }
  const ratio = r.worker.rate / r.reference.rate
  return {
    name: `worker, ${n} messages (stand-in SQS, S3 with 5 ms puts)`,
    throughput: `${Math.round(r.worker.rate)} msg/s`,
    reference: `${Math.round(r.reference.rate)} raw PutObject/s`,
    ratio,
    peak_rss_mb: r.peak_rss_mb,
    aws_per_message: `${r.worker.sqs_per_message.toFixed(3)} SQS, ${r.worker.s3_per_message.toFixed(2)} S3`,
    target: '≤ 0.25 SQS/msg, ≥ 80% of raw puts',
    met: r.worker.sqs_per_message <= 0.25 && ratio >= 0.8,
  }
}

async function clearinghouseRow(): Promise<Row | undefined> {
  if (!process.env.DATABASE_URL?.startsWith('postgres')) {
    console.log('clearinghouse: skipped (needs DATABASE_URL=postgres://…)')
    return undefined
  }
  const n = short ? 20_000 : 1_000_000
  const script = join(here, '..', 'services', 'clearinghouse', 'bench', 'load.ts')
  const r = (await jsonFromChild(script, [String(n), '--json'])) as Record<string, number>
  const rate = Number(r['records/s'] ?? 0)
  const rss = Number(r.peak_rss_mb ?? r['peak RSS MB'] ?? 0)
  return {
    name: `clearinghouse, ${n} records into PostgreSQL`,
    throughput: `${Math.round(rate)} records/s`,
    reference: 'psql \\copy: not run here',
    ratio: Number.NaN,
    peak_rss_mb: rss,
    aws_per_message: '—',
    target: '≥ 50,000 records/s, RSS < 256 MB',
    met: rate >= 50_000 && rss < 256,
  }
}

async function startApi() {
  const proc = child(join(here, 'src', 'api-server.ts'), [])
  const [port, dbUrl] = await new Promise<[number, string]>((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      const m = /LISTENING (\d+) (\S+)/.exec(chunk.toString())
      if (m) resolve([Number(m[1]), m[2] ?? ''])
    })
    proc.on('exit', (code) => reject(new Error(`api server exited ${code}`)))
  })
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    dbUrl,
    peakRss: async () =>
      ((await (await fetch(`${url}/__bench`)).json()) as { peak_rss_mb: number }).peak_rss_mb,
    stop: () => new Promise<void>((r) => proc.on('exit', () => r()) && proc.kill('SIGTERM')),
  }
}

/** The same queries as the api makes, from a bare postgres.js pool at the same concurrency. */
async function bareQueries(dbUrl: string, kind: 'get' | 'post', seconds: number) {
  const db = await connect(dbUrl, { max: 10 })
  const latencies: number[] = []
  const deadline = performance.now() + seconds * 1000
  let n = 0
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now()
        if (kind === 'get') {
          await Promise.all(
            ['users_personal', 'users_financial', 'users_health'].map(
              (t) => db.sql`select * from ${db.sql(t)} where user_id = ${'bench-user'}`,
            ),
          )
        } else {
          const id = `ref-${process.pid}-${n++}`
          await db.sql`insert into users_personal (user_id, name, email) values (${id}, 'Ref', 'r@example.com') returning *`
        }
        latencies.push(performance.now() - started)
      }
    }),
  )
  await db.close()
  latencies.sort((a, b) => a - b)
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0
  return { rps: latencies.length / seconds, p50: at(50), p99: at(99) }
}

async function apiRows(): Promise<Row[]> {
  if (!process.env.DATABASE_URL?.startsWith('postgres')) {
    console.log('api: skipped (needs DATABASE_URL=postgres://…)')
    return []
  }
  const seconds = short ? 3 : 15
  const api = await startApi()
  const user = signHs256({ sub: 'bench-user', roles: [] }, API_SECRET, 3600)
  const admin = signHs256({ sub: 'bench-admin', roles: ['admin'] }, API_SECRET, 3600)
  const rows: Row[] = []
  let nextId = 0
  for (const kind of ['get', 'post'] as const) {
    const result = await autocannon({
      url: kind === 'get' ? `${api.url}/users/bench-user` : `${api.url}/users/personal`,
      method: kind === 'get' ? 'GET' : 'POST',
      connections: 64,
      duration: seconds,
      headers: {
        authorization: `Bearer ${kind === 'get' ? user : admin}`,
        'content-type': 'application/json',
      },
      ...(kind === 'post'
        ? {
            requests: [
              {
                method: 'POST' as const,
                // A new user id per request: every POST is a real insert, not a 409.
                setupRequest: (req: autocannon.Request) => ({
                  ...req,
                  body: JSON.stringify({
                    user_id: `bench-${nextId++}`,
                    name: 'Bench',
                    email: 'b@example.com',
                  }),
                }),
              },
            ],
          }
        : {}),
    })
    const reference = await bareQueries(api.dbUrl, kind, seconds)
    const ok = result['2xx'] / Math.max(result.requests.total, 1)
    const ratio = result.requests.average / reference.rps
    rows.push({
      name:
        kind === 'get'
          ? 'api GET /users/{id}, 64 connections'
          : 'api POST /users/personal, 64 connections',
      throughput: `${Math.round(result.requests.average)} req/s`,
      reference: `${Math.round(reference.rps)} q/s bare postgres.js`,
      ratio,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      peak_rss_mb: await api.peakRss(),
      aws_per_message: '—',
      target: '≥ 50% of the bare queries',
      met: ratio >= 0.5 && ok > 0.99,
    })
  }
  await api.stop()
  return rows
}

function table(rows: Row[]): string {
  const head =
    '| benchmark | throughput | reference | ratio | p50 ms | p99 ms | peak RSS MB | AWS req/msg | target | met |'
  const lines = rows.map((r) =>
    [
      r.name,
      r.throughput,
      r.reference,
      Number.isNaN(r.ratio) ? '—' : `${(r.ratio * 100).toFixed(0)}%`,
      r.p50_ms ?? '—',
      r.p99_ms ?? '—',
      r.peak_rss_mb.toFixed(0),
      r.aws_per_message,
      r.target,
      r.met ? 'yes' : 'no',
    ].join(' | '),
  )
  return [head, `|${' --- |'.repeat(10)}`, ...lines.map((l) => `| ${l} |`)].join('\n')
}

const rows: Row[] = []
if (wanted('ingest')) rows.push(await ingestRow())
if (wanted('worker')) rows.push(await workerRow())
if (wanted('clearinghouse')) {
  const row = await clearinghouseRow()
  if (row) rows.push(row)
}
if (wanted('api')) rows.push(...(await apiRows()))
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
const md = `Measured ${new Date().toISOString().slice(0, 10)}${short ? ' (short mode)' : ''} on ${machine}; load generator on the same machine.\n\n${table(rows)}\n`
console.log(`\n${md}`)
mkdirSync(join(here, 'results'), { recursive: true })
writeFileSync(
  join(here, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify({ machine, short, rows }, null, 2),
)
writeFileSync(join(here, 'results', 'latest.md'), md)
