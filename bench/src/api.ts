// The api's GET /users/{id} and POST /users/personal at 64 connections against the PostgreSQL
// server, beside the same queries from a bare postgres.js loop at the same concurrency.
import { join } from 'node:path'
import { signHs256 } from '@ferry/api/jwt'
import type autocannon from 'autocannon'
import { runJson, SERVERS, type ServerChild, startServer } from './children.ts'
import { hammer } from './http-load.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { API_SECRET, BENCH_USER } from './payload.ts'
import { cpuSeconds, machineBusySeconds } from './process-stats.ts'
import type { Figures, Row } from './report.ts'

const CONNECTIONS = 64

type Api = ServerChild<{ port: number; databaseUrl: string }, { peak_rss_mb: number }>

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
  const { peak_rss_mb } = await api.stats()
  const referenceMachine = machineBusySeconds()
  const reference = await runJson<Figures>(join(SERVERS, 'queries.ts'), [
    kind,
    api.hello.databaseUrl,
    String(seconds),
    String(CONNECTIONS),
  ])
  const referenceRequests = reference.throughput * seconds
  const referenceMachineUs =
    ((machineBusySeconds() - referenceMachine) * 1e6) / Math.max(referenceRequests, 1)
  const us = (n: number) => Math.round(n).toLocaleString('en-US')
  const ratio = load.rps / reference.throughput
  const row: Row = {
    name: `api ${kind === 'get' ? 'GET /users/{id}' : 'POST /users/personal'}, ${CONNECTIONS} connections`,
    unit: 'req/s',
    measured: {
      throughput: load.rps,
      p50_ms: load.p50_ms,
      p99_ms: load.p99_ms,
      peak_rss_mb,
      cpu_us: split.api,
    },
    reference: { label: 'bare postgres.js loop', ...reference },
    ratio,
    aws_per_message: null,
    target: kind === 'get' ? '≥ 50% of the bare queries' : '≥ 75% of the bare queries',
    met: ratio >= (kind === 'get' ? 0.5 : 0.75) && load.failures === 0,
    note:
      `${seconds} s each${warmup > 0 ? ` after a ${warmup} s warm-up` : ''}; ${kind === 'get' ? 'three selects (one per record kind)' : 'one insert'} per request; ` +
      `machine CPU per request ${us(split.machine)} µs = api ${us(split.api)} + load generator ${us(split.generator)} + the rest (PostgreSQL) ${us(split.machine - split.api - split.generator)}; ` +
      `reference ${us(referenceMachineUs)} µs = loop ${us(reference.cpu_us ?? 0)} + the rest ${us(referenceMachineUs - (reference.cpu_us ?? 0))}` +
      (load.failures > 0 ? `; ${load.failures} of ${load.total} requests failed` : ''),
  }
  return row
}

export async function apiBench(options: BenchOptions): Promise<BenchOutcome> {
  if (!process.env.DATABASE_URL?.startsWith('postgres')) {
    return { rows: [], skipped: ['api: skipped, DATABASE_URL=postgres://… is not set'] }
  }
  const seconds = options.short ? 3 : 15
  const api: Api = await startServer(join(SERVERS, 'api.ts'))
  try {
    const warmup = options.short ? 0 : 3
    const get = await measure(api, 'get', seconds, warmup)
    const post = await measure(api, 'post', seconds, warmup)
    return { rows: [get, post], skipped: [] }
  } finally {
    await api.stop()
  }
}
