// The clearinghouse loading one N-record file into PostgreSQL, two lines. The real path: its own
// main.ts (bundled as its image runs it) reading the file from a bucket of the AWS stand-in (another process) through its S3
// driver, the AWS SDK over HTTP (./clearinghouse-real.ts); beside it, the time a bare GetObject of
// the same object takes (servers/s3-read.ts). Logic alone: its claim → stream → insert path from a
// local bucket (its own bench/load.ts, a child process). Both beside `psql \copy` of the same
// records as JSONB into a table shaped like processed_data.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { connect } from '@ferry/db'
import { runJson, SERVERS } from './children.ts'
import { BUCKET, KEY, loadThroughService, POLL_INTERVAL } from './clearinghouse-real.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { watchPeakRss } from './process-stats.ts'
import type { Figures, Row } from './report.ts'
import type { S3ReadResult } from './servers/s3-read.ts'
import { awsEnv, startStandin } from './standin/client.ts'

const LOAD_SCRIPT = join(
  import.meta.dirname,
  '..',
  '..',
  'services',
  'clearinghouse',
  'bench',
  'load.ts',
)

/** One record as services/clearinghouse/bench/load.ts generates it. */
export function record(i: number): { type: string; json: string } {
  const type = i % 3 === 0 ? 'refund' : 'order'
  return {
    type,
    json: `{"id":${i},"type":"${type}","amount":${(i % 10000) / 100},"customer":"c-${i % 99991}","ts":"2024-01-01T00:00:00Z"}`,
  }
}

/**
 * The file of n records as services/clearinghouse/bench/load.ts writes it: a JSON array, one
 * record a line.
 */
export function fileBody(n: number): Buffer {
  const parts: Buffer[] = [Buffer.from('[')]
  for (let start = 0; start < n; start += 10_000) {
    const lines: string[] = []
    for (let i = start; i < Math.min(n, start + 10_000); i++) lines.push(record(i).json)
    parts.push(Buffer.from((start === 0 ? '' : ',\n') + lines.join(',\n')))
  }
  parts.push(Buffer.from(']\n'))
  return Buffer.concat(parts)
}

/**
 * processed_data as the clearinghouse's migration makes it (the foreign key to the file's log row
 * and both indexes), so that the reference does the database's share of the same work.
 */
const PROCESSED_DATA = `
  create table $schema.file_log (id bigint primary key);
  insert into $schema.file_log values (1);
  create table $schema.records (
    id bigint generated always as identity primary key,
    file_log_id bigint not null references $schema.file_log (id) on delete cascade,
    record_type text not null,
    record_data jsonb not null,
    created_at timestamptz not null default now());
  create index on $schema.records (file_log_id);
  create index on $schema.records (record_type);`

/** COPY's text format, `1<TAB>record_type<TAB>record_data` per line (no tab or backslash inside). */
async function writeCopyFile(path: string, n: number): Promise<void> {
  const out = createWriteStream(path)
  for (let start = 0; start < n; start += 10_000) {
    const lines: string[] = []
    for (let i = start; i < Math.min(n, start + 10_000); i++) {
      const r = record(i)
      lines.push(`1\t${r.type}\t${r.json}\n`)
    }
    if (!out.write(lines.join(''))) await once(out, 'drain')
  }
  out.end()
  await finished(out)
}

/** GNU time: psql's CPU time and peak RSS as the kernel counts them, where it is installed. */
const GNU_TIME = '/usr/bin/time'

interface PsqlRun {
  seconds: number
  peakRssMb: number | null
  /** User + system; null without GNU time (sampling /proc would miss a short run's). */
  cpuSeconds: number | null
}

/** Runs `psql -c command`; `statsFile` is where GNU time writes psql's figures. */
function runPsql(url: string, command: string, statsFile: string): Promise<PsqlRun> {
  const timed = existsSync(GNU_TIME)
  const psql = ['psql', url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', command]
  const [file = '', ...args] = timed ? [GNU_TIME, '-f', '%U %S %M', '-o', statsFile, ...psql] : psql
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] })
    const rss = timed ? undefined : watchPeakRss(child.pid ?? 0)
    child.once('error', reject)
    child.once('exit', (code) => {
      const seconds = (performance.now() - started) / 1000
      const peakRssMb = rss?.stop() ?? null
      if (code !== 0) return reject(new Error(`psql exited with ${code}`))
      if (!timed) return resolve({ seconds, peakRssMb, cpuSeconds: null })
      readFile(statsFile, 'utf8').then((text) => {
        const [user, system, kb] = (text.trim().split('\n').at(-1) ?? '').split(' ').map(Number)
        resolve({ seconds, peakRssMb: (kb ?? 0) / 1024, cpuSeconds: (user ?? 0) + (system ?? 0) })
      }, reject)
    })
  })
}

/** `psql \copy` of n records into a fresh schema's processed_data; the schema is dropped after. */
async function copyReference(databaseUrl: string, n: number): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-copy-'))
  const schema = `bench_${randomBytes(4).toString('hex')}`
  const server = new URL(databaseUrl)
  server.search = ''
  const admin = await connect(server.toString(), { max: 1 })
  try {
    const file = join(dir, 'records.tsv')
    await writeCopyFile(file, n)
    await admin.sql`create schema ${admin.sql(schema)}`
    await admin.sql.unsafe(PROCESSED_DATA.replaceAll('$schema', schema))
    const copy = `\\copy ${schema}.records (file_log_id, record_type, record_data) from '${file}'`
    const psql = await runPsql(server.toString(), copy, join(dir, 'time.txt'))
    return {
      throughput: n / psql.seconds,
      p50_ms: null,
      p99_ms: null,
      peak_rss_mb: psql.peakRssMb,
      cpu_us: psql.cpuSeconds === null ? null : (psql.cpuSeconds * 1e6) / n,
    }
  } finally {
    await admin.sql`drop schema if exists ${admin.sql(schema)} cascade`
    await admin.close()
    await rm(dir, { recursive: true, force: true })
  }
}

function psqlAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('psql', ['--version'], { stdio: 'ignore' })
    child.once('error', () => resolve(false))
    child.once('exit', (code) => resolve(code === 0))
  })
}

/**
 * Writes out what the previous load left dirty (CHECKPOINT), so that each load starts from the
 * same state of the server instead of paying for the one before; a no-op without the privilege.
 */
async function checkpoint(databaseUrl: string): Promise<void> {
  const admin = await connect(databaseUrl, { max: 1 })
  try {
    await admin.sql`checkpoint`.catch(() => undefined)
  } finally {
    await admin.close()
  }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0)

/** The service's main.ts loading the file from the stand-in, then a bare read of the object. */
async function realPathRow(databaseUrl: string, n: number, reference: Figures | null) {
  const body = fileBody(n)
  const standin = await startStandin()
  try {
    await checkpoint(databaseUrl)
    const loaded = await loadThroughService(standin, databaseUrl, body, n)
    const read = await runJson<S3ReadResult>(
      join(SERVERS, 's3-read.ts'),
      [BUCKET, KEY],
      awsEnv(standin.endpoint),
    )
    const rate = n / loaded.seconds
    const peak = loaded.peakRssMb
    const ratio = reference && rate / reference.throughput
    const requests = Object.entries(loaded.calls)
      .map(([operation, count]) => `${count} ${operation}`)
      .join(', ')
    const row: Row = {
      name: `clearinghouse, ${n.toLocaleString('en-US')}-record file, real path: main.ts bundled as in the image, S3 driver over HTTP, default LOG_LEVEL`,
      unit: 'records/s',
      measured: {
        throughput: rate,
        p50_ms: null,
        p99_ms: null,
        peak_rss_mb: peak,
        idle_rss_mb: loaded.idleRssMb,
        cpu_us: (loaded.cpuSeconds * 1e6) / n,
      },
      reference: reference && { label: 'psql \\copy as JSONB', ...reference },
      ratio,
      aws_per_message: null,
      target: '≥ 1.0× psql \\copy, peak RSS < 256 MB',
      met: ratio !== null && ratio >= 1 && peak !== null && peak < 256,
      note:
        `S3 read ${read.seconds.toFixed(2)} s of ${loaded.seconds.toFixed(2)} s ` +
        `(a bare GetObject of the same ${mb(read.bytes)} MB object through the S3 driver, its body ` +
        `to /dev/null, in a child process: ${mb(read.bytes / read.seconds)} MB/s, ` +
        `${read.cpu_seconds.toFixed(2)} CPU s, peak RSS ${read.peak_rss_mb.toFixed(0)} MB); ` +
        `timed from the object's put in the stand-in's bucket to the file's status COMPLETED ` +
        `(the service lists the bucket every ${POLL_INTERVAL} s; ${requests} meanwhile); ` +
        `CPU is the service process's alone, not PostgreSQL's; logs to ${loaded.logFile}`,
    }
    return row
  } finally {
    await standin.stop()
  }
}

/** services/clearinghouse/bench/load.ts: the load path alone, from a local bucket. */
async function logicAloneRow(databaseUrl: string, n: number, reference: Figures | null) {
  await checkpoint(databaseUrl)
  const loaded = await runJson<{ 'records/s': number; peak_rss_mb: number; load_cpu_s: number }>(
    LOAD_SCRIPT,
    [String(n), '--json'],
  )
  const rate = loaded['records/s']
  const rss = loaded.peak_rss_mb
  const row: Row = {
    name: `clearinghouse, ${n.toLocaleString('en-US')}-record file, logic alone: local bucket, in a child process`,
    unit: 'records/s',
    measured: {
      throughput: rate,
      p50_ms: null,
      p99_ms: null,
      peak_rss_mb: rss,
      cpu_us: (loaded.load_cpu_s * 1e6) / n,
    },
    reference: reference && { label: 'psql \\copy as JSONB', ...reference },
    ratio: reference && rate / reference.throughput,
    aws_per_message: null,
    target: '≥ 50,000 records/s, peak RSS < 256 MB',
    met: rate >= 50_000 && rss < 256,
    note: 'the service’s claim → stream → batch insert → complete path from a local bucket (its bench/load.ts); the reference copies the same records into a table shaped like processed_data (foreign key and indexes included)',
  }
  return row
}

export async function clearinghouseBench(options: BenchOptions): Promise<BenchOutcome> {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl?.startsWith('postgres')) {
    return { rows: [], skipped: ['clearinghouse: skipped, DATABASE_URL=postgres://… is not set'] }
  }
  if (!existsSync(LOAD_SCRIPT)) {
    return {
      rows: [],
      skipped: ['clearinghouse: skipped, services/clearinghouse/bench/load.ts is missing'],
    }
  }
  const n = options.short ? 20_000 : 1_000_000
  const skipped: string[] = []
  let reference: Figures | null = null
  if (await psqlAvailable()) {
    await checkpoint(databaseUrl)
    reference = await copyReference(databaseUrl, n)
  } else skipped.push('clearinghouse reference: skipped, psql is not on this machine')
  const real = await realPathRow(databaseUrl, n, reference)
  const alone = await logicAloneRow(databaseUrl, n, reference)
  return { rows: [real, alone], skipped }
}
