import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../src/report.ts'

const here = join(import.meta.dirname, '..')
const hasDatabase = process.env.DATABASE_URL?.startsWith('postgres') ?? false

function runShort(resultsDir: string) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [join(here, 'run.ts'), '--short'], {
      cwd: here,
      env: { ...process.env, BENCH_RESULTS_DIR: resultsDir },
    })
    let output = ''
    child.stdout.on('data', (c) => {
      output += c
    })
    child.stderr.on('data', (c) => {
      output += c
    })
    child.on('close', (code) => resolve({ code, output }))
  })
}

/** The short mode checks the benchmarks work, not how fast: every row is there with real numbers. */
describe('pnpm bench --short', () => {
  let dir: string
  let run: { code: number | null; output: string }
  let result: RunResult
  let table: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-bench-test-'))
    run = await runShort(dir)
    const json = (await readdir(dir)).find((f) => f.endsWith('.json'))
    result = JSON.parse(await readFile(join(dir, json ?? 'missing.json'), 'utf8'))
    table = await readFile(join(dir, 'latest.md'), 'utf8')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const names = () => result.rows.map((r) => r.name)

  it('exits 0 and writes the JSON result and the markdown table', () => {
    expect(run.code, run.output).toBe(0)
    expect(result.short).toBe(true)
    const lines = table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| bench'))
    expect(lines.filter((l) => !l.startsWith('| ---'))).toHaveLength(result.rows.length)
  })

  it('has a real-path row and a logic-alone row for each service (the clearinghouse needs PostgreSQL)', () => {
    const services = ['ingest-api', 'worker', ...(hasDatabase ? ['clearinghouse'] : [])]
    for (const service of services) {
      const rows = names().filter((n) => n.startsWith(service))
      expect(
        rows.filter((n) => n.includes('real path')),
        service,
      ).toHaveLength(1)
      expect(
        rows.filter((n) => n.includes('logic alone')),
        service,
      ).toHaveLength(1)
    }
  })

  it('reports CPU time per unit and idle memory of the real-path rows, and their references', () => {
    for (const row of result.rows.filter((r) => r.name.includes('real path'))) {
      expect(row.measured.cpu_us, row.name).toBeGreaterThan(0)
      expect(row.measured.idle_rss_mb, row.name).toBeGreaterThan(10)
      expect(row.reference?.cpu_us, row.name).toBeGreaterThan(0)
    }
  })

  it.runIf(hasDatabase)('has both clearinghouse rows and both api rows on PostgreSQL', () => {
    expect(names().filter((n) => n.startsWith('clearinghouse'))).toHaveLength(2)
    const api = names().filter((n) => n.startsWith('api '))
    expect(api.filter((n) => n.includes('real path'))).toHaveLength(2)
    expect(api.filter((n) => n.includes('logic alone'))).toHaveLength(2)
  })

  it.runIf(hasDatabase)('says how much of the clearinghouse’s real path is the S3 read', () => {
    const row = result.rows.find(
      (r) => r.name.startsWith('clearinghouse') && r.name.includes('real path'),
    )
    const [, read, total] = /S3 read (\d+\.\d+) s of (\d+\.\d+) s/.exec(row?.note ?? '') ?? []
    expect(Number(read), row?.note).toBeGreaterThan(0)
    expect(Number(read), row?.note).toBeLessThan(Number(total))
  })

  it('gives every row a throughput, a peak RSS and a reference or the reason it has none', () => {
    for (const row of result.rows) {
      expect(row.measured.throughput, row.name).toBeGreaterThan(0)
      expect(row.measured.peak_rss_mb, row.name).toBeGreaterThan(10)
      if (row.reference) expect(row.reference.throughput, row.name).toBeGreaterThan(0)
      else expect(result.skipped.join('\n'), row.name).toMatch(/reference/)
    }
  })

  it('counts SQS requests per message on the ingest-api and worker rows, and S3 on the worker', () => {
    for (const row of result.rows.filter((r) => /^(ingest-api|worker)/.test(r.name))) {
      expect(row.aws_per_message?.SQS, row.name).toBeGreaterThan(0)
      expect(row.aws_per_message?.SQS, row.name).toBeLessThanOrEqual(1)
      if (row.name.startsWith('worker'))
        expect(row.aws_per_message?.S3, row.name).toBeGreaterThan(0)
    }
  })
})
