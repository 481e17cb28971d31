// What the worker benchmark and its reference share, so that they do the same S3 work.
import type { PutOptions } from '@ferry/cloud'
import { percentile } from './report.ts'
import { peakRssMb } from './servers/child.ts'

/** The worker's default WORKER_CONCURRENCY, and the reference's parallel puts. */
export const CONCURRENCY = 32

/** A PutObject round trip of the stand-in S3: the same for the worker and the reference. */
export const STANDIN_PUT_MS = 5

/** The request the worker sends (see services/worker/src/persist.ts): the reference sends it too. */
export const PUT_OPTIONS: PutOptions = {
  contentType: 'application/json',
  ifNoneMatch: '*',
  checksum: 'SHA256',
}

/** What a drain or the reference reports. */
export interface DrainResult {
  messages: number
  seconds: number
  calls: Record<string, number>
  /** Worker: receive → delete per message; reference: per PutObject. */
  p50_ms: number | null
  p99_ms: number | null
  peak_rss_mb: number
}

/** A DrainResult of n messages in `seconds`, from its unsorted latencies, with this process's RSS. */
export function drainResult(
  n: number,
  seconds: number,
  calls: Record<string, number>,
  latenciesMs: number[],
): DrainResult {
  const sorted = latenciesMs.sort((a, b) => a - b)
  return {
    messages: n,
    seconds,
    calls,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    peak_rss_mb: peakRssMb(),
  }
}
