import { join } from 'node:path'
import { apiBench } from './api.ts'
import { clearinghouseBench } from './clearinghouse.ts'
import { ingestBench } from './ingest.ts'
import type { BenchOptions, BenchOutcome } from './options.ts'
import { describeMachine, markdown, type RunResult, writeResults } from './report.ts'
import { workerBench } from './worker.ts'

const BENCHMARKS: Record<string, (options: BenchOptions) => Promise<BenchOutcome>> = {
  ingest: ingestBench,
  worker: workerBench,
  clearinghouse: clearinghouseBench,
  api: apiBench,
}

/** Runs the benchmarks named in `args` (all when none), one after another, and reports them. */
export async function main(args: string[]): Promise<RunResult> {
  const short = args.includes('--short') || process.env.BENCH_SHORT === '1'
  const named = args.filter((a) => !a.startsWith('--'))
  const unknown = named.filter((n) => !(n in BENCHMARKS))
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
    )
  }
  const result: RunResult = { machine: describeMachine(), short, rows: [], skipped: [] }
  for (const [name, bench] of Object.entries(BENCHMARKS)) {
    if (named.length > 0 && !named.includes(name)) continue
    const started = performance.now()
    console.error(`bench: ${name}…`)
    const outcome = await bench({ short })
    result.rows.push(...outcome.rows)
    result.skipped.push(...outcome.skipped)
    console.error(`bench: ${name} took ${((performance.now() - started) / 1000).toFixed(0)} s`)
  }
  const dir = process.env.BENCH_RESULTS_DIR ?? join(import.meta.dirname, '..', 'results')
  const file = writeResults(dir, result)
  console.log(`\n${markdown(result)}\nWrote ${file}`)
  return result
}
