// Wrappers around a port (stand-in or AWS driver alike) that count its calls as the AWS requests
// they are and time the ones a benchmark reports. A call the SDK retried counts once.
import type { ObjectStore, Queue } from '@ferry/cloud'

/** AWS requests by name, e.g. { ReceiveMessage: 210, DeleteMessageBatch: 200 }. */
export type Calls = Record<string, number>

/** Every request a queue probe counts: a row's SQS requests. */
export const SQS_REQUESTS = [
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'GetQueueAttributes',
]

export function tally(calls: Calls, request: string, by = 1): void {
  calls[request] = (calls[request] ?? 0) + by
}

export function total(calls: Calls): number {
  return Object.values(calls).reduce((a, b) => a + b, 0)
}

/** A port whose listed methods count as the named AWS request each time they are called. */
function counting<T extends object>(target: T, requests: Record<string, string>, calls: Calls): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value: unknown = Reflect.get(t, prop, receiver)
      const request = typeof prop === 'string' ? requests[prop] : undefined
      if (typeof value !== 'function' || request === undefined) return value
      return (...args: unknown[]) => {
        tally(calls, request)
        return value.apply(t, args)
      }
    },
  })
}

export interface QueueProbe {
  queue: Queue
  calls: Calls
  /** Per message: from its receive returning to its delete succeeding, in ms. */
  latenciesMs: number[]
}

/** Counts a queue's requests and times each message from receive to delete. */
export function probeQueue(inner: Queue): QueueProbe {
  const calls: Calls = {}
  const latenciesMs: number[] = []
  const receivedAt = new Map<string, number>()
  const counted = counting(
    inner,
    {
      send: 'SendMessageBatch',
      changeVisibility: 'ChangeMessageVisibility',
      depth: 'GetQueueAttributes',
      ping: 'GetQueueAttributes',
    },
    calls,
  )
  const queue: Queue = {
    url: inner.url,
    send: (messages) => counted.send(messages),
    async receive(options) {
      tally(calls, 'ReceiveMessage')
      const messages = await inner.receive(options)
      const now = performance.now()
      for (const m of messages) receivedAt.set(m.receiptHandle, now)
      return messages
    },
    async delete(handles) {
      tally(calls, 'DeleteMessageBatch')
      const result = await inner.delete(handles)
      const failed = new Set(result.failed.map((f) => f.receiptHandle))
      const now = performance.now()
      for (const handle of handles) {
        const at = receivedAt.get(handle)
        receivedAt.delete(handle)
        if (at !== undefined && !failed.has(handle)) latenciesMs.push(now - at)
      }
      return result
    },
    changeVisibility: (handle, seconds) => counted.changeVisibility(handle, seconds),
    depth: () => counted.depth(),
    ping: () => counted.ping(),
    close: () => inner.close(),
  }
  return { queue, calls, latenciesMs }
}

export interface StoreProbe {
  store: ObjectStore
  calls: Calls
  /** Per PutObject, in ms. */
  putLatenciesMs: number[]
}

/** Counts an object store's requests and times each put. */
export function probeStore(inner: ObjectStore): StoreProbe {
  const calls: Calls = {}
  const putLatenciesMs: number[] = []
  const timed: ObjectStore = new Proxy(inner, {
    get(t, prop, receiver) {
      if (prop !== 'put') return Reflect.get(t, prop, receiver)
      return async (...args: Parameters<ObjectStore['put']>) => {
        const started = performance.now()
        const result = await t.put(...args)
        putLatenciesMs.push(performance.now() - started)
        return result
      }
    },
  })
  const store = counting(
    timed,
    {
      put: 'PutObject',
      upload: 'PutObject',
      head: 'HeadObject',
      get: 'GetObject',
      getBuffer: 'GetObject',
      list: 'ListObjectsV2',
      delete: 'DeleteObjects',
      copy: 'CopyObject',
      ping: 'HeadBucket',
    },
    calls,
  )
  return { store, calls, putLatenciesMs }
}
