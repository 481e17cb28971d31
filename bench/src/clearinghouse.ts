// The clearinghouse loading one N-record file into PostgreSQL (its own bench/load.ts, which
// measures the loader in a child process), beside `psql \copy` of the same records as JSONB into
// a table shaped like processed_data.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { connect } from '@ferry/db'
import { runJson } from './children.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { watchPeakRss } from './process-stats.ts'
import type { Figures, Row } from './report.ts'

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
function record(i: number): { type: string; json: string } {
  const type = i % 3 === 0 ? 'refund' : 'order'
  return {
    type,
    json: `{"id":${i},"type":"${type}","amount":${(i % 10000) / 100},"customer":"c-${i % 99991}","ts":"2024-01-01T00:00:00Z"}`,
  }
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

function runPsql(
  url: string,
  command: string,
): Promise<{ seconds: number; peakRssMb: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', command], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    const rss = watchPeakRss(child.pid ?? 0)
    child.once('error', reject)
    child.once('exit', (code) => {
      const peakRssMb = rss.stop()
      if (code !== 0) reject(new Error(`psql exited with ${code}`))
      else resolve({ seconds: (performance.now() - started) / 1000, peakRssMb })
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
    const { seconds, peakRssMb } = await runPsql(server.toString(), copy)
    return { throughput: n / seconds, p50_ms: null, p99_ms: null, peak_rss_mb: peakRssMb }
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
  const loaded = await runJson<{ 'records/s': number; peak_rss_mb: number }>(LOAD_SCRIPT, [
    String(n),
    '--json',
  ])
  const skipped: string[] = []
  let reference: Figures | null = null
  if (await psqlAvailable()) reference = await copyReference(databaseUrl, n)
  else skipped.push('clearinghouse reference: skipped, psql is not on this machine')
  const rate = loaded['records/s']
  const rss = loaded.peak_rss_mb
  const row: Row = {
    name: `clearinghouse, ${n.toLocaleString('en-US')}-record file into PostgreSQL`,
    unit: 'records/s',
    measured: { throughput: rate, p50_ms: null, p99_ms: null, peak_rss_mb: rss },
    reference: reference && { label: 'psql \\copy as JSONB', ...reference },
    ratio: reference && rate / reference.throughput,
    aws_per_message: null,
    target: '≥ 50,000 records/s, peak RSS < 256 MB',
    met: rate >= 50_000 && rss < 256,
    note: 'the service’s claim → stream → batch insert → complete path from a local bucket (its bench/load.ts); the reference copies the same records into a table shaped like processed_data (foreign key and indexes included)',
  }
  return { rows: [row], skipped }
}
