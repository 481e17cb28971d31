/** Plain-text output of the operator commands: tables, ages, progress bars. */

/** `rows` as columns padded to their widest cell, the first row being the header. */
export function table(rows: string[][]): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length)
    })
  }
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n')
}

/** A duration in its two largest units: `45s`, `12m 5s`, `3h 12m`, `2d 4h`. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ]
  const parts: string[] = []
  let rest = s
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`)
  }
  return parts.slice(0, 2).join(' ') || '0s'
}

/** `[##########----------]  50%  5/10` (a bar of `width` cells; no total: moved so far). */
export function progressBar(done: number, total: number | undefined, width = 30): string {
  if (!total) return `[${'?'.repeat(width)}]  ${done} moved`
  const share = Math.min(1, done / total)
  const filled = Math.round(share * width)
  const percent = `${Math.floor(share * 100)}%`.padStart(4)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}  ${done}/${total}`
}
