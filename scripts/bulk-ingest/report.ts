import type { Progress, Summary } from './run.ts'

function eta(progress: Progress): string {
  if (!progress.total || progress.done === 0) return '?'
  const rate = progress.done / progress.elapsedMs
  const seconds = Math.round((progress.total - progress.done) / rate / 1000)
  return `${seconds}s`
}

/** A progress line: a bar on a TTY (redrawn in place), plain periodic lines otherwise. */
export function progressPrinter(out: NodeJS.WriteStream, tty: boolean): (p: Progress) => void {
  let lastPlain = 0
  return (p) => {
    const rate = p.done / Math.max(p.elapsedMs / 1000, 0.001)
    const counts = `${p.done}${p.total ? `/${p.total}` : ''} ${rate.toFixed(0)}/s eta ${eta(p)} errors ${p.errors}`
    if (tty) {
      const width = 30
      const filled = p.total ? Math.round((p.done / p.total) * width) : 0
      out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts}   `)
      return
    }
    if (p.elapsedMs - lastPlain >= 2000 || p.done === p.total) {
      lastPlain = p.elapsedMs
      out.write(`progress: ${counts}\n`)
    }
  }
}

export function formatSummary(summary: Summary): string {
  const statuses = Object.entries(summary.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `  ${status}: ${n}`)
  const { p50, p95, p99 } = summary.latencyMs
  return [
    `sent ${summary.sent} in ${(summary.elapsedMs / 1000).toFixed(1)}s (${summary.throughput.toFixed(1)} req/s)`,
    'by status:',
    ...statuses,
    `latency ms: p50 ${p50.toFixed(1)}  p95 ${p95.toFixed(1)}  p99 ${p99.toFixed(1)}`,
    summary.failed > 0 ? `FAILED: ${summary.failed}` : 'all accepted',
  ].join('\n')
}
