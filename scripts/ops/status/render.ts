// The table `ferry status` prints: plain text, aligned columns, one line per service and per
// queue, a row that could not be read saying why in its last column.
import type { Reading, StatusData } from './collect.ts'

/** Left-aligns the text columns and right-aligns the `numeric` ones; the last column runs free. */
function table(head: string[], rows: string[][], numeric: Set<number>): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        if (i === cells.length - 1 && !numeric.has(i)) return cell
        const width = widths[i] ?? 0
        return numeric.has(i) ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  return [line(head), ...rows.map(line)]
}

/** `database, bucket ok` for a ready service; the failing checks with their reasons otherwise. */
function checksText(checks: Record<string, string>): string {
  const entries = Object.entries(checks)
  const failing = entries.filter(([, v]) => v !== 'ok')
  if (failing.length > 0) return failing.map(([k, v]) => `${k}: ${v}`).join('; ')
  return entries.length > 0 ? `${entries.map(([k]) => k).join(', ')} ok` : ''
}

/** The READY column: the kit's 503 reads `not ready`, a /ready that could not be read `unknown`. */
const READY_TEXT = { ready: 'ready', unavailable: 'not ready', unreadable: 'unknown' } as const

const number = (reading: Reading<number>) => (reading.ok ? String(reading.value) : '?')

function servicesSection(data: StatusData): string[] {
  const rows = data.services.map((s) => [
    s.name,
    READY_TEXT[s.state],
    s.url ?? '-',
    s.state === 'unreadable' ? (s.reason ?? '') : checksText(s.checks),
  ])
  return table(['SERVICE', 'READY', 'URL', 'CHECKS'], rows, new Set())
}

function queuesSection(data: StatusData): string[] {
  if (data.queues.length === 0) return []
  const rows = data.queues.map((q) => {
    const main = q.depth.ok ? undefined : q.depth.reason
    const dead = q.dead.ok || q.dead.reason === main ? undefined : `dlq: ${q.dead.reason}`
    const note = [main, dead].filter(Boolean).join('; ')
    return [
      q.name,
      q.depth.ok ? String(q.depth.value.visible) : '?',
      q.depth.ok ? String(q.depth.value.inFlight) : '?',
      number(q.dead),
      note,
    ]
  })
  return ['', ...table(['QUEUE', 'VISIBLE', 'IN FLIGHT', 'DLQ', 'NOTE'], rows, new Set([1, 2, 3]))]
}

function filesSection(data: StatusData): string[] {
  if (!data.files.ok) return ['', `FILES  ? (${data.files.reason})`]
  const { files, records_loaded } = data.files.value
  const head = ['FILES', 'pending', 'processing', 'COMPLETED', 'FAILED', 'total', 'records']
  const counts = [files.pending, files.processing, files.COMPLETED, files.FAILED, files.total]
  const row = ['', ...counts.map(String), String(records_loaded)]
  return ['', ...table(head, [row], new Set([1, 2, 3, 4, 5, 6]))]
}

/**
 * The whole table, ending in a newline, under a first line naming `target` (what was read, e.g.
 * `embedded default (.data in /srv/ferry/.data)` or `AWS dev (us-east-1)`) and the time.
 */
export function renderStatus(data: StatusData, target: string): string {
  const time = data.at.toISOString().replace('T', ' ').slice(0, 19)
  const lines = [
    `ferry status: ${target}, ${time} UTC`,
    '',
    ...servicesSection(data),
    ...queuesSection(data),
    ...filesSection(data),
  ]
  return `${lines.join('\n')}\n`
}
