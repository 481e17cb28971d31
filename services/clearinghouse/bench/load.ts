// Loads one generated N-record file from a local bucket into DATABASE_URL through the service's
// own claim → stream → batch insert → complete path, and prints records/s and peak RSS.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/load.ts [records=1000000]
//
// The file is generated first (streamed, in this process); the load runs in a child process so
// that its peak RSS is the loader's alone (it inherits NODE_OPTIONS: V8 sizes its young
// generation from the machine's memory, see the README). On a server the run gets its own
// schema, dropped after.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { openObjects } from '@ferry/cloud'
import { connect, migrate } from '@ferry/db'
import { claimNext } from '../src/file-log.ts'
import { loadInTransaction } from '../src/load-transaction.ts'
import { MIGRATIONS_DIR } from '../src/migrations.ts'
import { syncListing } from '../src/poll.ts'

const KEY = 'bench/records.json'

function* recordChunks(total: number): Generator<string> {
  yield '['
  for (let start = 0; start < total; start += 1000) {
    const lines: string[] = []
    for (let i = start; i < Math.min(start + 1000, total); i++) {
      const type = i % 3 === 0 ? 'refund' : 'order'
      lines.push(
        `{"id":${i},"type":"${type}","amount":${(i % 10000) / 100},"customer":"c-${i % 99991}","ts":"2024-01-01T00:00:00Z"}`,
      )
    }
    yield (start === 0 ? '' : ',\n') + lines.join(',\n')
  }
  yield ']\n'
}

async function generate(dir: string, records: number): Promise<number> {
  const store = openObjects(`file://${dir}`)
  await store.put(KEY, Readable.from(recordChunks(records)), { contentType: 'application/json' })
  const info = await store.head(KEY)
  return info?.size ?? 0
}

/** Child: migrate, list, claim and load the file; print the figures as one JSON line. */
async function loadChild(dir: string, databaseUrl: string): Promise<void> {
  const db = await connect(databaseUrl, { max: 4 })
  const store = openObjects(`file://${dir}`)
  try {
    await migrate(db.sql, MIGRATIONS_DIR)
    const watched = { bucket: store.name, bucketSetting: `file://${dir}`, prefix: '' }
    await syncListing(db.sql, store, watched)
    const claim = await claimNext(db.sql, store.name, randomBytes(8).toString('hex'), {
      leaseSeconds: 3600,
      maxAttempts: 5,
    })
    if (!claim) throw new Error('nothing to claim')
    const started = performance.now()
    const cpuBefore = process.cpuUsage()
    const result = await loadInTransaction(db.sql, store, claim, {
      signal: new AbortController().signal,
    })
    const seconds = (performance.now() - started) / 1000
    const usage = process.resourceUsage()
    const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6
    const loadCpu = process.cpuUsage(cpuBefore)
    const loadCpuSeconds = (loadCpu.user + loadCpu.system) / 1e6
    const peakRssMb = peakResidentMb() ?? usage.maxRSS / 1024
    const figures = { ...result, seconds, cpuSeconds, loadCpuSeconds, peakRssMb }
    process.stdout.write(`${JSON.stringify(figures)}\n`)
  } finally {
    await db.close()
  }
}

/**
 * This process's peak resident set (VmHWM), in MiB; undefined off Linux. Not getrusage's maxRSS:
 * Linux carries that over fork and exec, so this child's would be at least its parent's RSS.
 */
function peakResidentMb(): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return kb === undefined ? undefined : Number(kb) / 1024
  } catch {
    return undefined
  }
}

async function schemaUrl(databaseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!databaseUrl.startsWith('postgres')) return { url: databaseUrl, drop: async () => {} }
  const schema = `bench_${randomBytes(4).toString('hex')}`
  const admin = await connect(databaseUrl, { max: 1 })
  await admin.sql`create schema ${admin.sql(schema)}`
  const url = new URL(databaseUrl)
  url.searchParams.set('search_path', schema)
  return {
    url: url.toString(),
    drop: async () => {
      await admin.sql`drop schema ${admin.sql(schema)} cascade`
      await admin.close()
    },
  }
}

function runChild(dir: string, url: string): Promise<Record<string, number | string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, '--child', dir, url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`loader exited with ${code}`)),
    )
  })
}

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 1_000_000)
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const dir = await mkdtemp(join(tmpdir(), 'clearinghouse-bench-'))
  const { url, drop } = await schemaUrl(databaseUrl)
  try {
    const bytes = await generate(dir, records)
    const r = await runChild(dir, url)
    const seconds = Number(r.seconds)
    if (process.argv.includes('--json')) {
      const rate = Math.round(Number(r.records) / seconds)
      const figures = { peak_rss_mb: Number(r.peakRssMb), load_cpu_s: Number(r.loadCpuSeconds) }
      console.log(JSON.stringify({ 'records/s': rate, ...figures }))
      return
    }
    console.table({
      engine: r.engine,
      records: r.records,
      'file MB': (bytes / 1e6).toFixed(1),
      seconds: seconds.toFixed(2),
      'records/s': Math.round(Number(r.records) / seconds),
      'MB/s': (bytes / 1e6 / seconds).toFixed(1),
      'peak RSS MB': Number(r.peakRssMb).toFixed(0),
      'loader CPU s': Number(r.cpuSeconds).toFixed(1),
      'node flags': process.env.NODE_OPTIONS ?? '(defaults)',
    })
  } finally {
    await drop()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--child') await loadChild(process.argv[3] ?? '', process.argv[4] ?? '')
else await main()
