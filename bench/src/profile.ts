// `node src/profile.ts ingest|worker|api|clearinghouse [seconds|records]`: runs a service under
// `--cpu-prof` with the benchmark's load, then prints where its CPU went while loaded (startup
// left out) and where the profile is, for Chrome DevTools or speedscope. ingest and worker: the
// service's real main.ts (its sources) against the AWS stand-in; api: the api bench's own server
// (src/servers/api.ts, DATABASE_URL) under its POST /users/personal load; clearinghouse
// (DATABASE_URL): its main.ts loading one file of that many records (default 1,000,000) from the
// stand-in.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { apiLoad } from './api.ts'
import { SERVERS, startServer } from './children.ts'
import { fileBody } from './clearinghouse.ts'
import { loadThroughService } from './clearinghouse-real.ts'
import { hammer } from './http-load.ts'
import { BENCH_TOKEN, envelopeBody, INGEST_BODY } from './payload.ts'
import { summarizeProfile } from './profile-summary.ts'
import { LOG_DIR, type RealProcess, serviceSource, startProcess } from './real-process.ts'
import { awsEnv, type Standin, startStandin } from './standin/client.ts'

const TOKEN_PARAM = '/bench/ingest-token'

async function loadIngest(service: RealProcess, seconds: number) {
  const request = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}` },
    body: INGEST_BODY,
  }
  await hammer(`${service.url}/ingest`, 50, 3, request)
  const loadedAt = performance.now()
  const load = await hammer(`${service.url}/ingest`, 50, seconds, request)
  console.error(`ingest-api: ${Math.round(load.rps)} req/s while profiled`)
  return loadedAt
}

async function loadWorker(service: RealProcess, standin: Standin, seconds: number) {
  const n = seconds * 2000
  const loadedAt = performance.now()
  await standin.fill(
    'ingest',
    Array.from({ length: n }, (_, i) => envelopeBody(i)),
  )
  while ((await standin.count('payloads')) < n) await new Promise((r) => setTimeout(r, 20))
  const took = (performance.now() - loadedAt) / 1000
  console.error(`worker: ${n} messages in ${took.toFixed(1)} s while profiled`)
  void service
  return loadedAt
}

async function profile(name: 'ingest' | 'worker', seconds: number): Promise<void> {
  const dir = join(LOG_DIR, `profile-${name}-${Date.now()}`)
  const standin = await startStandin({ [TOKEN_PARAM]: BENCH_TOKEN })
  const env = {
    ...awsEnv(standin.endpoint),
    SQS_QUEUE_URL: standin.queueUrl('ingest'),
    ...(name === 'ingest' ? { SSM_TOKEN_PARAM: TOKEN_PARAM } : { S3_BUCKET: 'payloads' }),
  }
  const startedAt = performance.now()
  const service = await startProcess(
    name,
    // The sources, not the minified bundle, so the profile names ferry's and its packages' functions.
    serviceSource(name === 'ingest' ? 'ingest-api' : name),
    env,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  )
  try {
    const loadedAt =
      name === 'ingest'
        ? await loadIngest(service, seconds)
        : await loadWorker(service, standin, seconds)
    await service.stop()
    printSummary(dir, (loadedAt - startedAt) / 1000)
  } finally {
    await service.stop()
    await standin.stop()
  }
}

function printSummary(dir: string, skipSeconds: number) {
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) ?? '')
  console.log(summarizeProfile(file, skipSeconds))
  console.log(`profile: ${file}`)
}

async function profileApi(seconds: number): Promise<void> {
  const dir = join(LOG_DIR, `profile-api-${Date.now()}`)
  const startedAt = performance.now()
  const api = await startServer<{ port: number }, unknown>(join(SERVERS, 'api.ts'), [], {
    NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}`,
  })
  try {
    const run = apiLoad(api.url, 'post')
    await run(3)
    const loadedAt = performance.now()
    const load = await run(seconds)
    console.error(`api: ${Math.round(load.rps)} POST /users/personal per second while profiled`)
    await api.stop()
    printSummary(dir, (loadedAt - startedAt) / 1000)
  } finally {
    await api.stop()
  }
}

async function profileClearinghouse(records: number): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl?.startsWith('postgres')) throw new Error('set DATABASE_URL=postgres://…')
  const dir = join(LOG_DIR, `profile-clearinghouse-${Date.now()}`)
  const standin = await startStandin()
  try {
    const loaded = await loadThroughService(
      standin,
      databaseUrl,
      fileBody(records),
      records,
      ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      serviceSource('clearinghouse'),
    )
    const rate = Math.round(records / loaded.seconds)
    console.error(`clearinghouse: ${records} records in ${loaded.seconds.toFixed(1)} s (${rate}/s)`)
    printSummary(dir, loaded.idleSeconds)
  } finally {
    await standin.stop()
  }
}

if (import.meta.main) {
  const [name = 'ingest', seconds] = process.argv.slice(2)
  if (name === 'clearinghouse') await profileClearinghouse(Number(seconds ?? 1_000_000))
  else if (name === 'api') await profileApi(Number(seconds ?? 15))
  else if (name === 'ingest' || name === 'worker') await profile(name, Number(seconds ?? 15))
  else throw new Error('profile ingest, worker, api or clearinghouse')
}
