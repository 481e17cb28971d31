import { describe, expect, it } from 'vitest'
import { CloudError } from '../src/errors.ts'
import { createDeleter } from '../src/queue/consume-delete.ts'
import type { ConsumeLog } from '../src/queue/consume-options.ts'
import type { Queue, ReceivedMessage } from '../src/queue/queue.ts'

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
  const log: ConsumeLog = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields) => void warnings.push(fields),
    error: () => undefined,
  }
  return { log, warnings }
}

/** What onDelete was told, summed. */
function counting() {
  const counts = { requests: 0, deleted: 0, failed: 0 }
  const onDelete = (deleted: number, failed: number) => {
    counts.requests++
    counts.deleted += deleted
    counts.failed += failed
  }
  return { counts, onDelete }
}

describe('the deleter', () => {
  it('sends full batches of 10 at once and the rest on flush', async () => {
    const { queue, batches } = recordingQueue()
    const { counts, onDelete } = counting()
    const deleter = createDeleter({ queue, log: recordingLog().log, onDelete, lingerMs: 60_000 })
    for (let i = 0; i < 25; i++) deleter.add(message(i))
    expect(batches.map((b) => b.length)).toEqual([10, 10])
    await deleter.flush()
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5])
    expect(counts).toEqual({ requests: 3, deleted: 25, failed: 0 })
  })

  it('sends a partial batch once the linger has passed', async () => {
    const { queue, batches } = recordingQueue()
    const deleter = createDeleter({ queue, log: recordingLog().log, lingerMs: 10 })
    deleter.add(message(1))
    deleter.add(message(2))
    expect(batches).toEqual([])
    await expect.poll(() => batches, { timeout: 20_000 }).toEqual([['h1', 'h2']])
  })

  it('logs and counts each refused delete by message id, and the rest as deleted', async () => {
    const { queue } = recordingQueue({ handles: ['h2'] })
    const { counts, onDelete } = counting()
    const { log, warnings } = recordingLog()
    const deleter = createDeleter({ queue, log, onDelete, lingerMs: 1 })
    for (const n of [1, 2, 3]) deleter.add(message(n))
    await deleter.flush()
    expect(counts).toEqual({ requests: 1, deleted: 2, failed: 1 })
    expect(warnings).toEqual([{ message_id: 'm2', reason: 'gone' }])
  })

  it('counts every message of a batch whose call failed, and flush still resolves', async () => {
    const { queue } = recordingQueue({ call: true })
    const { counts, onDelete } = counting()
    const deleter = createDeleter({ queue, log: recordingLog().log, onDelete, lingerMs: 1 })
    for (const n of [1, 2]) deleter.add(message(n))
    await deleter.flush()
    expect(counts).toEqual({ requests: 1, deleted: 0, failed: 2 })
  })
})
