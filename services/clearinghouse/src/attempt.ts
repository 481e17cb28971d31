import type { ObjectStore } from '@ferry/cloud'
import type { Sql } from '@ferry/db'
import { isFileError } from './file-error.ts'
import { type Claim, markFailed, type RetryPolicy, release, renewLease } from './file-log.ts'
import { ClaimLost, loadInTransaction } from './load-transaction.ts'
import type { Logger } from './logger.ts'
import type { ClearinghouseMetrics } from './metrics.ts'
import type { BatchLimits } from './records.ts'

export interface AttemptDeps {
  sql: Sql
  store: ObjectStore
  log: Logger
  metrics: ClearinghouseMetrics
}

export interface AttemptOptions {
  leaseSeconds: number
  retry: RetryPolicy
  batch?: BatchLimits
  /** See LoadOptions.readTimeoutMs. */
  readTimeoutMs?: number
}

/**
 * How an attempt ended. `stranded`: it failed and the database could not be told (outage), so
 * the caller must release the claim once the database is back.
 */
export const OUTCOMES = ['completed', 'failed', 'lost', 'released', 'stranded'] as const
export type Outcome = (typeof OUTCOMES)[number]

/**
 * Loads one claimed file, renewing its lease while it runs, and records the outcome: COMPLETED,
 * FAILED with its message and backoff, or released untouched on shutdown (`signal`); counts the
 * outcome, the attempt's duration and the records it loaded.
 */
export async function attemptClaim(
  deps: AttemptDeps,
  claim: Claim,
  options: AttemptOptions,
  signal: AbortSignal,
): Promise<Outcome> {
  const log = deps.log.child({ key: claim.key, file_id: claim.id, attempt: claim.attempts })
  const lost = new AbortController()
  const stopHeartbeat = heartbeat(deps, claim, options.leaseSeconds, lost, log)
  const started = performance.now()
  log.info('loading file')
  let outcome: Outcome = 'failed'
  try {
    const result = await loadInTransaction(deps.sql, deps.store, claim, {
      signal: AbortSignal.any([signal, lost.signal]),
      batch: options.batch,
      readTimeoutMs: options.readTimeoutMs,
    })
    const ms = Math.round(performance.now() - started)
    const rate = Math.round(result.records / Math.max(ms / 1000, 0.001))
    log.info({ ...result, ms, records_per_s: rate }, 'file loaded')
    deps.metrics.recordsLoaded.inc(result.records)
    outcome = 'completed'
  } catch (error) {
    const context = { signal, lost: lost.signal, log }
    outcome = await outcomeOfFailure(deps, claim, options, error, context)
  } finally {
    stopHeartbeat()
    deps.metrics.attemptEnded(outcome, (performance.now() - started) / 1000)
  }
  return outcome
}

async function outcomeOfFailure(
  deps: AttemptDeps,
  claim: Claim,
  options: AttemptOptions,
  error: unknown,
  context: { signal: AbortSignal; lost: AbortSignal; log: Logger },
): Promise<Outcome> {
  const { log } = context
  if (error instanceof ClaimLost || context.lost.aborted) {
    log.warn('claim lost: another worker or a newer version took the file over')
    return 'lost'
  }
  if (context.signal.aborted) {
    await release(deps.sql, claim).catch(() => undefined)
    log.info('released the file unfinished: shutting down')
    return 'released'
  }
  const message = isFileError(error)
    ? error.message
    : `Could not load ${claim.key}: ${error instanceof Error ? error.message : String(error)}`
  try {
    if (!(await markFailed(deps.sql, claim, message, options.retry))) return 'lost'
  } catch (markError) {
    log.warn({ err: error, mark_err: markError }, 'file failed and the database is unreachable')
    return 'stranded'
  }
  const final = claim.attempts >= options.retry.maxAttempts
  log.warn({ error: message, final }, final ? 'file failed for good' : 'file failed; will retry')
  return 'failed'
}

/** Renews the lease every third of it; aborts `lost` when the claim is gone. */
function heartbeat(
  deps: AttemptDeps,
  claim: Claim,
  leaseSeconds: number,
  lost: AbortController,
  log: Logger,
): () => void {
  let running = false
  const timer = setInterval(
    () => {
      if (running) return
      running = true
      renewLease(deps.sql, claim, leaseSeconds)
        .then((held) => {
          if (!held) lost.abort(new ClaimLost(claim.key))
        })
        .catch((error: unknown) => log.debug({ err: error }, 'lease renewal failed'))
        .finally(() => {
          running = false
        })
    },
    (leaseSeconds * 1000) / 3,
  )
  return () => clearInterval(timer)
}
