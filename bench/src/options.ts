/** What every benchmark is told about the run. */
export interface BenchOptions {
  /** CI's mode: small sizes and short runs that check a benchmark works, not how fast. */
  short: boolean
}

/** What a benchmark hands back: its rows, and what it could not run and why. */
export interface BenchOutcome {
  rows: import('./report.ts').Row[]
  skipped: string[]
}
