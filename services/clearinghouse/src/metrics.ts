import type { Sql } from '@ferry/db'
import {
  type Counter,
  createCounter,
  createGauge,
  createHistogram,
  type Registry,
} from '@ferry/kit'
import { OUTCOMES, type Outcome } from './attempt.ts'
import { fileStats } from './operator.ts'
import { FileStatus } from './schemas.ts'

/** What the clearinghouse measures; /metrics renders them beside the kit's request metrics. */
export interface ClearinghouseMetrics {
  /** Records of the files loaded (COMPLETED). */
  recordsLoaded: Counter
  /** Counts an attempt at a file that ended with `outcome`, after `seconds`. */
  attemptEnded(outcome: Outcome, seconds: number): void
}

export interface ClearinghouseMetricsOptions {
  /** The log's files per status are counted at scrape time. */
  sql: Sql
  /**
   * How long a scrape waits for that count, default 1000 ms. Past it (a database that does not
   * answer) the gauge keeps its last values, and the count is left to finish on its own.
   */
  scrapeTimeoutMs?: number
}

/** Upper bounds in seconds: a small file loads in milliseconds, a large one in minutes. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

/** The clearinghouse's metrics on `registry` (the app's). */
export function createClearinghouseMetrics(
  registry: Registry,
  options: ClearinghouseMetricsOptions,
): ClearinghouseMetrics {
  const finished = createCounter(registry, {
    name: 'ferry_clearinghouse_files_finished_total',
    help: 'Attempts at a file that ended, by outcome: completed, failed (retried until FAILED), lost (another claim took it), released (shutdown) or stranded (failed while the database was away).',
    labelNames: ['outcome'],
  })
  const duration = createHistogram(registry, {
    name: 'ferry_clearinghouse_load_duration_seconds',
    help: 'Seconds one attempt at a file took, from its claim to its outcome, by outcome.',
    labelNames: ['outcome'],
    buckets: DURATION_BUCKETS,
  })
  // Every outcome's series exists from the start at 0, so a rate over it is always defined.
  const byOutcome = new Map(
    OUTCOMES.map((outcome) => {
      const bound = { finished: finished.labels(outcome), duration: duration.labels(outcome) }
      bound.finished.inc(0)
      duration.zero({ outcome })
      return [outcome, bound]
    }),
  )
  createFilesGauge(registry, options)
  return {
    recordsLoaded: createCounter(registry, {
      name: 'ferry_clearinghouse_records_loaded_total',
      help: 'Records stored by the files loaded (COMPLETED).',
    }),
    attemptEnded(outcome, seconds) {
      const bound = byOutcome.get(outcome)
      bound?.finished.inc()
      bound?.duration.observe(seconds)
    },
  }
}

/**
 * `ferry_clearinghouse_files{status}`, set at each scrape from the processing log. One count runs
 * at a time: scrapes while it is out wait for the same one, so an unanswering database never
 * piles up queries.
 */
function createFilesGauge(registry: Registry, options: ClearinghouseMetricsOptions): void {
  const timeoutMs = options.scrapeTimeoutMs ?? 1000
  let counting: Promise<void> | undefined
  const gauge = createGauge(registry, {
    name: 'ferry_clearinghouse_files',
    help: 'Files in the processing log by status, counted at scrape time (the last count while the database does not answer).',
    labelNames: ['status'],
    async collect() {
      counting ??= count().finally(() => {
        counting = undefined
      })
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs)
      })
      await Promise.race([counting, timeout])
      clearTimeout(timer)
    },
  })
  const byStatus = FileStatus.anyOf
    .map(({ const: status }) => status)
    .map((status) => [status, gauge.labels(status)] as const)
  // Never rejects: a count that failed leaves the last values (/ready reports the database).
  const count = async () => {
    try {
      const { files } = await fileStats(options.sql)
      for (const [status, child] of byStatus) child.set(files[status])
    } catch {}
  }
}
