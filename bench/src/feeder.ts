// The producer side of the worker benchmark against an emulator: moto's SQS scans the whole
// queue on each request, so its cost grows with the queue's depth (seeding 2,000 messages took
// about a minute here, and a bare receive/delete loop drained them at 10 msg/s). The feeder
// therefore keeps at most `window` messages queued or in flight while the worker drains, so that
// the row measures the worker and not how moto copes with a deep queue.
import { setTimeout as sleep } from 'node:timers/promises'
import { openQueue } from '@ferry/cloud'
import { envelopeBody } from './payload.ts'
import { awsFromEnv } from './worker-settings.ts'

export interface Feeder {
  /** Resolves once the first `window` messages (or all n, if fewer) are on the queue. */
  primed: Promise<void>
  /** Resolves once all n are sent; rejects on a refused send. */
  done: Promise<void>
  /** Stops sending (when the worker failed). */
  stop(): void
}

const SENDERS = 2
const BATCH = 10

export function feedQueue(queueUrl: string, n: number, window: number): Feeder {
  const queue = openQueue(queueUrl, { aws: awsFromEnv() })
  const stopped = new AbortController()
  let sent = 0
  let acked = 0
  let queued = 0
  let markPrimed = () => {}
  const primed = new Promise<void>((resolve) => {
    markPrimed = resolve
  })
  const refreshDepth = async () => {
    const { visible, inFlight } = await queue.depth()
    queued = visible + inFlight
  }
  const sender = async () => {
    while (sent < n && !stopped.signal.aborted) {
      if (queued + BATCH > window) {
        await sleep(100)
        await refreshDepth()
        continue
      }
      const start = sent
      const count = Math.min(BATCH, n - start)
      sent += count
      queued += count
      const messages = Array.from({ length: count }, (_, i) => ({
        id: String(i),
        body: envelopeBody(start + i),
      }))
      const { failed } = await queue.send(messages)
      if (failed.length > 0) throw new Error(`feeding the queue: ${failed[0]?.message}`)
      acked += count
      if (acked >= Math.min(n, window)) markPrimed()
    }
  }
  const done = Promise.all(Array.from({ length: SENDERS }, sender)).finally(() => {
    markPrimed()
    return queue.close()
  })
  // The caller may await `primed` first; a failure before then is still reported by `done`.
  done.catch(() => {})
  return { primed, done: done.then(() => undefined), stop: () => stopped.abort() }
}
