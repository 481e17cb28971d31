// The api's GET /users/{id} and POST /users/personal at 64 connections against the PostgreSQL
// server, beside the same queries from a bare postgres.js loop at the same concurrency; two lines.
// The real path: its own main.ts, bundled as its image runs it, at the default LOG_LEVEL (info)
// with its log lines going to a file, on npm start's local drivers for the AWS parts these routes
// never touch. Logic alone: the app built in-process (src/servers/api.ts) with in-process
// stand-ins, logging at warn.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signHs256 } from '@ferry/api/jwt'
import { connect } from '@ferry/db'
import type { TestDatabase } from '@ferry/db/testing'
import { localEnv } from '@ferry/deploy/local-env'
import type autocannon from 'autocannon'
import { runJson, SERVERS, startServer } from './children.ts'
import { hammer } from './http-load.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { API_SECRET, BENCH_USER } from './payload.ts'
import { cpuSeconds, machineBusySeconds } from './process-stats.ts'
import { IMAGE_NODE_FLAGS, serviceMain, startProcess } from './real-process.ts'
import type { Figures, Row } from './report.ts'
import { seedUser } from './servers/api.ts'

const CONNECTIONS = 64

/** The api as a benchmark runs it: where it listens, its process, and its database's URL. */
interface Api {
  line: 'real path' | 'logic alone'
  label: string
  url: string
  pid: number
  databaseUrl: string
  idleRssMb: number | null
  peakRssMb(): Promise<number | null>
  stop(): Promise<void>
}

/** The app in-process in the bench's own server, with in-process stand-ins, logging at warn. */
async function logicAlone(): Promise<Api> {
  const api = await startServer<{ port: number; databaseUrl: string }, { peak_rss_mb: number }>(
    join(SERVERS, 'api.ts'),
  )
  return {
    line: 'logic alone',
    label: 'in-process stand-ins, LOG_LEVEL=warn',
    url: api.url,
    pid: api.pid,
    databaseUrl: api.hello.databaseUrl,
    idleRssMb: null,
    peakRssMb: async () => (await api.stats()).peak_rss_mb,
    stop: () => api.stop(),
  }
}

/**
 * main.ts bundled as in the image, at LOG_LEVEL=info, on a fresh schema it migrates itself (then
 * seeded with the bench user) and npm start's local drivers under a temporary directory.
 */
async function realPath(): Promise<Api> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ferry-bench-api-'))
  const databases: TestDatabase[] = []
  const cleanup = async () => {
    for (const db of databases) await db.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    const env: Record<string, string> = {
      ...(await localEnv('api', dataDir, databases)),
      JWT_SECRET: API_SECRET,
    }
    const service = await startProcess('api', await serviceMain('api'), env, IMAGE_NODE_FLAGS)
    const idleRssMb = service.rssMb()
    const databaseUrl = env.DATABASE_URL ?? ''
    const db = await connect(databaseUrl, { max: 1 })
    await seedUser(db.sql).finally(() => db.close())
    return {
      line: 'real path',
      label: `logs to ${service.logFile}`,
      url: service.url,
      pid: service.pid,
      databaseUrl,
      idleRssMb,
      peakRssMb: async () => service.peakRssMb(),
      stop: () => service.stop().finally(cleanup),
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/** A new user id per request, so that every POST is an insert and not a 409. */
function postRequests(): autocannon.Request[] {
  let next = 0
  return [
    {
      method: 'POST',
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({
          user_id: `bench-${next++}`,
          name: 'Bench',
          email: 'bench@example.com',
        }),
      }),
    },
  ]
}

/** Runs the benchmark's load on the api at `url` for a number of seconds: GETs of the seeded user, or POSTs of new users. */
export function apiLoad(url: string, kind: 'get' | 'post') {
  const token = signHs256(
    kind === 'get' ? { sub: BENCH_USER } : { sub: 'bench-admin', roles: ['admin'] },
    API_SECRET,
    3600,
  )
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const requests = postRequests()
  return (duration: number) =>
    kind === 'get'
      ? hammer(`${url}/users/${BENCH_USER}`, CONNECTIONS, duration, { headers })
      : hammer(`${url}/users/personal`, CONNECTIONS, duration, {
          method: 'POST',
          headers,
          requests,
        })
}

async function measure(api: Api, kind: 'get' | 'post', seconds: number, warmup: number) {
  const run = apiLoad(api.url, kind)
  if (warmup > 0) await run(warmup)
  // Where the machine's CPU went per request: the api process, the load generator (this
  // process), and the rest (PostgreSQL, mostly); the same for the reference's loop.
  const before = {
    api: cpuSeconds(api.pid),
    generator: process.cpuUsage(),
    machine: machineBusySeconds(),
  }
  const load = await run(seconds)
  const requests = Math.max(load.total, 1)
  const generatorUsage = process.cpuUsage(before.generator)
  const split = {
    api: ((cpuSeconds(api.pid) - before.api) * 1e6) / requests,
    generator: (generatorUsage.user + generatorUsage.system) / requests,
    machine: ((machineBusySeconds() - before.machine) * 1e6) / requests,
  }
  const peak_rss_mb = await api.peakRssMb()
  const referenceMachine = machineBusySeconds()
  const reference = await runJson<Figures>(join(SERVERS, 'queries.ts'), [
    kind,
    api.databaseUrl,
    String(seconds),
    String(CONNECTIONS),
  ])
  const referenceRequests = reference.throughput * seconds
  const referenceMachineUs =
    ((machineBusySeconds() - referenceMachine) * 1e6) / Math.max(referenceRequests, 1)
  const us = (n: number) => Math.round(n).toLocaleString('en-US')
  const ratio = load.rps / reference.throughput
  const row: Row = {
    name: `api ${kind === 'get' ? 'GET /users/{id}' : 'POST /users/personal'}, ${api.line}: ${api.line === 'real path' ? 'main.ts bundled as in the image, LOG_LEVEL=info' : 'in-process stand-ins, LOG_LEVEL=warn'}, ${CONNECTIONS} connections`,
    unit: 'req/s',
    measured: {
      throughput: load.rps,
      p50_ms: load.p50_ms,
      p99_ms: load.p99_ms,
      peak_rss_mb,
      idle_rss_mb: api.idleRssMb,
      cpu_us: split.api,
    },
    reference: { label: 'bare postgres.js loop', ...reference },
    ratio,
    aws_per_message: null,
    target: target(api, kind),
    met: ratio >= (target(api, kind).includes('75%') ? 0.75 : 0.5) && load.failures === 0,
    note:
      `${api.line === 'real path' ? `${api.label}; ` : ''}${seconds} s each${warmup > 0 ? ` after a ${warmup} s warm-up` : ''}; ${kind === 'get' ? 'three selects (one per record kind)' : 'one insert'} per request; ` +
      `machine CPU per request ${us(split.machine)} µs = api ${us(split.api)} + load generator ${us(split.generator)} + the rest (PostgreSQL) ${us(split.machine - split.api - split.generator)}; ` +
      `reference ${us(referenceMachineUs)} µs = loop ${us(reference.cpu_us ?? 0)} + the rest ${us(referenceMachineUs - (reference.cpu_us ?? 0))}` +
      (load.failures > 0 ? `; ${load.failures} of ${load.total} requests failed` : ''),
  }
  return row
}

/** Issue 19's: POST on the real path ≥ 75% of the bare loop; otherwise ≥ 50%. */
const target = (api: Api, kind: 'get' | 'post') =>
  kind === 'post' && api.line === 'real path'
    ? '≥ 75% of the bare queries'
    : '≥ 50% of the bare queries'

export async function apiBench(options: BenchOptions): Promise<BenchOutcome> {
  if (!process.env.DATABASE_URL?.startsWith('postgres')) {
    return { rows: [], skipped: ['api: skipped, DATABASE_URL=postgres://… is not set'] }
  }
  const seconds = options.short ? 3 : 15
  const warmup = options.short ? 0 : 3
  const rows: Row[] = []
  for (const start of [realPath, logicAlone]) {
    const api = await start()
    try {
      rows.push(await measure(api, 'get', seconds, warmup))
      rows.push(await measure(api, 'post', seconds, warmup))
    } finally {
      await api.stop()
    }
  }
  return { rows, skipped: [] }
}
