import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const here = join(import.meta.dirname, '..')

function runShort() {
  return new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [join(here, 'run.ts'), '--short'], { cwd: here })
    let stdout = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stdout += c))
    child.on('close', (code) => resolve({ code, stdout }))
  })
}

/** The short mode checks the benchmarks work, not how fast: every row is there with real numbers. */
describe('pnpm bench --short', () => {
  it('produces a row per benchmark with throughput, latency, RSS and AWS requests per message', async () => {
    const { code, stdout } = await runShort()
    expect(code, stdout).toBe(0)
    const table = await readFile(join(here, 'results', 'latest.md'), 'utf8')
    const rows = table
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| benchmark') && !l.startsWith('| ---'))
    const names = rows.map((r) => r.split(' | ')[0])
    expect(names.some((n) => n?.includes('ingest-api'))).toBe(true)
    expect(names.some((n) => n?.includes('worker'))).toBe(true)
    if (process.env.DATABASE_URL?.startsWith('postgres')) {
      expect(names.some((n) => n?.includes('clearinghouse'))).toBe(true)
      expect(rows.filter((r) => r.startsWith('| api '))).toHaveLength(2)
    }
    for (const row of rows) {
      const throughput = Number(/\| (\d+) (req|msg|records)\/s/.exec(row)?.[1])
      expect(throughput, row).toBeGreaterThan(0)
      const rss = Number(row.split(' | ')[6])
      expect(rss, row).toBeGreaterThan(10)
    }
    const sqs = rows.flatMap((r) => [...r.matchAll(/(\d+\.\d+) SQS/g)].map((m) => Number(m[1])))
    expect(sqs.length).toBeGreaterThanOrEqual(2)
    for (const perMessage of sqs) expect(perMessage).toBeLessThanOrEqual(1)
  })
})
