import type { Queue, ReceivedMessage } from '@ferry/cloud'
import { CloudError } from '@ferry/cloud'
import { describe, expect, it } from 'vitest'
import { createDeleter } from '../src/deleter.ts'
import type { Log } from '../src/log.ts'
import { createWorkerMetrics } from '../src/metrics.ts'

function message(n: number): ReceivedMessage {
  return {
    messageId: `m${n}`,
    receiptHandle: `h${n}`,
    body: '{}',
    attributes: {},
    receiveCount: 1,
    sentAt: new Date(),
  }
}

/** A queue that records delete batches; `fail` picks handles (or whole calls) to refuse. */
function recordingQueue(fail: { handles?: string[]; call?: boolean } = {}) {
  const batches: string[][] = []
  const queue = {
    url: 'memory://q',
    delete: async (handles: string[]) => {
      batches.push(handles)
      if (fail.call) throw new CloudError('Unavailable', 'DeleteMessageBatch: 500')
      const refused = handles.filter((h) => fail.handles?.includes(h))
      return { failed: refused.map((receiptHandle) => ({ receiptHandle, message: 'gone' })) }
    },
  } as unknown as Queue
  return { queue, batches }
}

function recordingLog() {
  const warnings: Record<string, unknown>[] = []
  const log: Log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields) => void warnings.push(fields),
    error: () => undefined,
  }
  return { log, warnings }
}

describe('the deleter', () => {
  it('sends full batches of 10 at once and the rest on flush', async () => {
    const { queue, batches } = recordingQueue()
    const metrics = createWorkerMetrics()
    const deleter = createDeleter({ queue, log: recordingLog().log, metrics, lingerMs: 60_000 })
    for (let i = 0; i < 25; i++) deleter.add(message(i))
    expect(batches.map((b) => b.length)).toEqual([10, 10])
    await deleter.flush()
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5])
    expect(metrics.deleted.value()).toBe(25)
    expect(metrics.deleteRequests.value()).toBe(3)
  })

  it('sends a partial batch once the linger has passed', async () => {
    const { queue, batches } = recordingQueue()
    const deleter = createDeleter({
      queue,
      log: recordingLog().log,
      metrics: createWorkerMetrics(),
      lingerMs: 10,
    })
    deleter.add(message(1))
    deleter.add(message(2))
    expect(batches).toEqual([])
    await expect.poll(() => batches).toEqual([['h1', 'h2']])
  })

  it('logs and counts each refused delete by message id, and the rest as deleted', async () => {
    const { queue } = recordingQueue({ handles: ['h2'] })
    const metrics = createWorkerMetrics()
    const { log, warnings } = recordingLog()
    const deleter = createDeleter({ queue, log, metrics, lingerMs: 1 })
    for (const n of [1, 2, 3]) deleter.add(message(n))
    await deleter.flush()
    expect(metrics.deleted.value()).toBe(2)
    expect(metrics.deleteFailed.value()).toBe(1)
    expect(warnings).toEqual([{ message_id: 'm2', reason: 'gone' }])
  })

  it('counts every message of a batch whose call failed, and flush still resolves', async () => {
    const { queue } = recordingQueue({ call: true })
    const metrics = createWorkerMetrics()
    const deleter = createDeleter({ queue, log: recordingLog().log, metrics, lingerMs: 1 })
    for (const n of [1, 2]) deleter.add(message(n))
    await deleter.flush()
    expect(metrics.deleteFailed.value()).toBe(2)
    expect(metrics.deleted.value()).toBe(0)
  })
})
