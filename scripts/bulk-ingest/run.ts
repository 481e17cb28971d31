import { createWriteStream, type WriteStream } from 'node:fs'
import { type Outcome, type SendOptions, sendOne } from './send.ts'
import type { Item } from './source.ts'

export interface RunOptions extends SendOptions {
  concurrency: number
  rate?: number
  failedPath?: string
  /** Called about twice a second and at the end with the running totals. */
  onProgress?: (progress: Progress) => void
}

export interface Progress {
  done: number
  errors: number
  /** Known only when the source's length is. */
  total?: number
  elapsedMs: number
}

export interface Summary {
  sent: number
  failed: number
  byStatus: Record<string, number>
  latencyMs: { p50: number; p95: number; p99: number }
  throughput: number
  elapsedMs: number
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, i)] ?? 0
}

/**
 * Sends every item with `concurrency` requests in flight and at most `rate` starts per second,
 * writing the records that finally failed to `failedPath` as JSONL ({index, key, status, detail,
 * data}) so they can be re-sent.
 */
export async function runBulk(
  items: AsyncIterable<Item>,
  options: RunOptions,
  total?: number,
): Promise<Summary> {
  const started = performance.now()
  const latencies: number[] = []
  const byStatus: Record<string, number> = {}
  let done = 0
  let failed = 0
  let launched = 0
  let failedFile: WriteStream | undefined
  const iterator = items[Symbol.asyncIterator]()
  const progress = () => ({ done, errors: failed, total, elapsedMs: performance.now() - started })
  const ticker = setInterval(() => options.onProgress?.(progress()), 500)

  const record = (item: Item, outcome: Outcome) => {
    done++
    latencies.push(outcome.latencyMs)
    byStatus[String(outcome.status)] = (byStatus[String(outcome.status)] ?? 0) + 1
    if (outcome.ok) return
    failed++
    failedFile ??= options.failedPath ? createWriteStream(options.failedPath) : undefined
    const line = {
      index: item.index,
      key: item.key,
      status: outcome.status,
      detail: outcome.detail,
      data: item.data,
    }
    failedFile?.write(`${JSON.stringify(line)}\n`)
  }

  const worker = async () => {
    for (;;) {
      const next = await iterator.next()
      if (next.done) return
      if (options.rate) {
        const due = started + (launched++ / options.rate) * 1000
        const wait = due - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      }
      record(next.value, await sendOne(next.value.data, next.value.key, options))
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker))
  } finally {
    clearInterval(ticker)
    if (failedFile) await new Promise((r) => failedFile?.end(r))
  }
  options.onProgress?.(progress())
  const elapsedMs = performance.now() - started
  latencies.sort((a, b) => a - b)
  return {
    sent: done,
    failed,
    byStatus,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
    },
    throughput: done / (elapsedMs / 1000),
    elapsedMs,
  }
}
