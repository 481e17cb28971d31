// The result rows, the table they print as, and the files a run writes.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'

/** What one side of a benchmark measured; null where the figure has no meaning for it. */
export interface Figures {
  /** Units per second (the row's `unit`). */
  throughput: number
  p50_ms: number | null
  p99_ms: number | null
  peak_rss_mb: number | null
  /** Resident set before the load, once started and idle (processes the bench started only). */
  idle_rss_mb?: number | null
  /** Process CPU time (user + system) per unit, in microseconds: CPU seconds ÷ units. */
  cpu_us?: number | null
}

/** One benchmark beside its reference. */
export interface Row {
  name: string
  unit: 'req/s' | 'msg/s' | 'records/s'
  measured: Figures
  /** The reference run, or null when it could not run here (the run's `skipped` says why). */
  reference: (Figures & { label: string }) | null
  /** measured / reference throughput. */
  ratio: number | null
  /** AWS requests per message by service, e.g. { SQS: 0.1, SSM: 0 }; null where none apply. */
  aws_per_message: Record<string, number> | null
  target: string
  /** Whether every part of the target was met by this run. */
  met: boolean
  /** Anything a reader must know to read the row (sizes, errors, what was skipped). */
  note?: string
}

export interface Machine {
  cpus: number
  cpu_model: string
  memory_gib: number
  node: string
  date: string
  load_average: number[]
  commit?: string
}

export interface RunResult {
  machine: Machine
  short: boolean
  rows: Row[]
  /** Benchmarks or references that did not run, and why. */
  skipped: string[]
}

export function describeMachine(): Machine {
  let commit: string | undefined
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {}
  return {
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
    load_average: loadavg().map((l) => Math.round(l * 100) / 100),
    ...(commit ? { commit } : {}),
  }
}

const whole = (n: number) => Math.round(n).toLocaleString('en-US')
/** Whole numbers, with one decimal below 10 (latencies of a few ms). */
function cell(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—'
  return Math.abs(n) < 10 ? n.toFixed(1) : whole(n)
}

/** "measured (reference)": the reference's figure beside each of the row's own. */
function pair(measured: number | null, reference: number | null | undefined): string {
  if (reference === null || reference === undefined) return cell(measured)
  return `${cell(measured)} (${cell(reference)})`
}

function awsCell(perMessage: Row['aws_per_message']): string {
  if (!perMessage) return '—'
  return Object.entries(perMessage)
    .map(([service, n]) => `${n.toFixed(3)} ${service}`)
    .join(', ')
}

function line(row: Row): string {
  const { measured: m, reference: r } = row
  return [
    row.name,
    `${whole(m.throughput)} ${row.unit}`,
    r ? `${whole(r.throughput)} ${row.unit} ${r.label}` : 'not run (see the notes)',
    row.ratio === null ? '—' : `${(row.ratio * 100).toFixed(0)}%`,
    pair(m.p50_ms, r?.p50_ms),
    pair(m.p99_ms, r?.p99_ms),
    pair(m.cpu_us ?? null, r?.cpu_us),
    pair(m.idle_rss_mb ?? null, r?.idle_rss_mb),
    pair(m.peak_rss_mb, r?.peak_rss_mb),
    awsCell(row.aws_per_message),
    row.target,
    row.met ? 'yes' : 'no',
  ].join(' | ')
}

/** The run as markdown: the machine, the table, then the notes. */
export function markdown(result: RunResult): string {
  const { machine: m } = result
  const head =
    '| benchmark | throughput | reference | ratio | p50 ms | p99 ms | CPU µs/unit | idle RSS MB | peak RSS MB | AWS req/msg | target | met |'
  const notes = [
    ...result.rows.filter((r) => r.note).map((r) => `${r.name}: ${r.note}`),
    ...result.skipped,
  ]
  return [
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC${result.short ? ' in short mode (checks the benchmarks work, not how fast)' : ''}` +
      ` on ${m.cpus} × ${m.cpu_model}, ${m.memory_gib} GiB, Node ${m.node}` +
      `${m.commit ? `, commit ${m.commit}` : ''}; load average ${m.load_average.join(' ')} at the start;` +
      ' the load generator shares the machine. Figures in parentheses are the reference’s.',
    '',
    head,
    `|${' --- |'.repeat(12)}`,
    ...result.rows.map((r) => `| ${line(r)} |`),
    ...(notes.length > 0 ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n')
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.md`; returns the JSON file's path. */
export function writeResults(dir: string, result: RunResult): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${result.machine.date.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(join(dir, 'latest.md'), markdown(result))
  return file
}

/** The p-th percentile (0–100) of ascending `sorted`, or null when it is empty. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null
}
