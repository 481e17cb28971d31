import { setTimeout as sleep } from 'node:timers/promises'
import { CloudError, type ObjectStore, type Queue } from '@ferry/cloud'
import { testResourceKinds } from '@ferry/cloud/testing'
import { metricValue } from '@ferry/kit'
import { describe, expect, it, vi } from 'vitest'
import { envelope, keyOf, listKeys, peek, startedWorkers } from './helpers.ts'

/** A store whose first `failures` puts fail as S3 does while it is unavailable. */
function failingPuts(failures: number) {
  let left = failures
  return (objects: ObjectStore): ObjectStore => ({
    ...objects,
    name: objects.name,
    put: async (...args) => {
      if (left-- > 0) throw new CloudError('Unavailable', 'PutObject: 503 ServiceUnavailable')
      return objects.put(...args)
    },
  })
}

/** A store whose every put is refused as a bad request (a failure the message causes). */
function refusedPuts(failures: number) {
  let left = failures
  return (objects: ObjectStore): ObjectStore => ({
    ...objects,
    name: objects.name,
    put: async (...args) => {
      if (left-- > 0) throw new CloudError('InvalidArgument', 'PutObject: 400 InvalidRequest')
      return objects.put(...args)
    },
  })
}

/** A store that is unreachable (every call fails as a refused connection) while `outage.down`. */
function unreachableWhile(outage: { down: boolean; calls: number }) {
  const fail = () => {
    outage.calls++
    return Promise.reject(new CloudError('Unavailable', 'PutObject: ECONNREFUSED'))
  }
  return (objects: ObjectStore): ObjectStore => ({
    ...objects,
    name: objects.name,
    put: (...args) => (outage.down ? fail() : objects.put(...args)),
    head: (...args) => (outage.down ? fail() : objects.head(...args)),
    ping: () => (outage.down ? fail() : objects.ping()),
  })
}

/** A store whose puts take `ms` longer. */
function slowPuts(ms: number) {
  return (objects: ObjectStore): ObjectStore => ({
    ...objects,
    name: objects.name,
    put: async (...args) => {
      await sleep(ms)
      return objects.put(...args)
    },
  })
}

/** Records, for every receipt handle the worker deletes, whether its object existed then. */
function watchDeletes(objectsOf: () => ObjectStore) {
  const keys = new Map<string, string>()
  const deletes: { key: string; existed: boolean }[] = []
  const wrap = (queue: Queue): Queue => ({
    ...queue,
    url: queue.url,
    receive: async (options) => {
      const messages = await queue.receive(options)
      for (const m of messages) keys.set(m.receiptHandle, keyOf(JSON.parse(m.body)))
      return messages
    },
    delete: async (handles) => {
      for (const handle of handles) {
        const key = keys.get(handle) ?? ''
        deletes.push({ key, existed: (await objectsOf().head(key)) !== undefined })
      }
      return queue.delete(handles)
    },
  })
  return { wrap, deletes }
}

/** Counts changeVisibility calls by the seconds asked for. */
function watchVisibility() {
  const calls: number[] = []
  const wrap = (queue: Queue): Queue => ({
    ...queue,
    url: queue.url,
    changeVisibility: async (handle, seconds) => {
      calls.push(seconds)
      return queue.changeVisibility(handle, seconds)
    },
  })
  return { wrap, calls }
}

describe.each(testResourceKinds())('the worker on %s, when things go wrong', (kind) => {
  const started = startedWorkers(kind)

  it('leaves a message that is not an envelope undeleted until it moves to the dead-letter queue', async () => {
    const w = await started({
      maxReceiveCount: 2,
      env: { VISIBILITY_TIMEOUT: '1' },
    })
    const poison = JSON.stringify({ message_id: 'secret-body-marker', data: {} })
    await w.send(poison)
    const dead = await vi.waitFor(
      async () => {
        const got = await w.dlq.receive({ maxMessages: 1, waitSeconds: 0 })
        expect(got).not.toHaveLength(0)
        return got.map((m) => m.body)
      },
      { timeout: 15_000 },
    )
    expect(dead).toEqual([poison])
    expect(await listKeys(w.objects)).toEqual([])
    expect(await metricValue(w.metrics.deleted)).toBe(0)
  }, 20_000)

  it('logs a message that is not an envelope once per receive, with its id and never its body', async () => {
    const w = await started({ env: { VISIBILITY_TIMEOUT: '1' } })
    await w.send('{"not":"an envelope","marker":"secret-body-marker"}')
    await expect.poll(() => metricValue(w.metrics.invalid)).toBeGreaterThanOrEqual(2)
    const lines = w.logs.lines().filter((l) => String(l.msg).startsWith('not a known envelope'))
    expect(lines.length).toBe(await metricValue(w.metrics.invalid))
    expect(lines[0]?.message_id).toEqual(expect.any(String))
    expect(lines.map((l) => l.receive_count)).toEqual(lines.map((_, i) => i + 1))
    expect(w.logs.text()).not.toContain('secret-body-marker')
  }, 15_000)

  it('deletes no message before its object exists while the store is failing, then writes each once', async () => {
    const holder: { objects?: ObjectStore } = {}
    const watch = watchDeletes(() => holder.objects as ObjectStore)
    const w = await started({ wrapObjects: failingPuts(3), wrapQueue: watch.wrap })
    holder.objects = w.objects
    const all = [envelope(), envelope(), envelope()]
    await w.send(...all)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(3)
    expect(await metricValue(w.metrics.failed)).toBe(3)
    expect(watch.deletes.map((d) => d.key).sort()).toEqual(all.map(keyOf).sort())
    expect(watch.deletes.every((d) => d.existed)).toBe(true)
    expect(await listKeys(w.objects)).toEqual(all.map(keyOf).sort())
  }, 20_000)

  it('releases a message whose write the store refused after a short backoff instead of holding it', async () => {
    const visibility = watchVisibility()
    const w = await started({
      wrapObjects: refusedPuts(1),
      wrapQueue: visibility.wrap,
      env: { VISIBILITY_TIMEOUT: '30' },
    })
    await w.send(envelope())
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    expect(visibility.calls).toEqual([1])
    expect(await metricValue(w.metrics.released)).toBe(1)
  }, 15_000)

  it('holds its messages and stops receiving through a store outage longer than maxReceiveCount × visibility: none dead-lettered, lost or duplicated', async () => {
    const outage = { down: true, calls: 0 }
    const w = await started({
      maxReceiveCount: 2,
      wrapObjects: unreachableWhile(outage),
      // 2 s, not 1: the held messages' heartbeats (every half timeout) must not lapse on a
      // loaded machine, which would be a receive this test does not mean to count.
      env: { VISIBILITY_TIMEOUT: '2', WORKER_CONCURRENCY: '4', MAX_MESSAGES: '2' },
    })
    const all = Array.from({ length: 6 }, () => envelope())
    await w.send(...all)
    await expect.poll(() => outage.calls > 0).toBe(true)
    // Down for longer than maxReceiveCount × visibility timeout (2 × 2 s).
    await sleep(5000)
    const receivedWhileDown = await metricValue(w.metrics.received)
    expect(receivedWhileDown).toBeLessThanOrEqual(4)
    expect(await metricValue(w.metrics.storeUnavailable)).toBe(1)
    outage.down = false
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(all.length)
    expect(await listKeys(w.objects)).toEqual(all.map(keyOf).sort())
    expect(await peek(w.dlq)).toEqual([])
    expect(await metricValue(w.metrics.received)).toBe(all.length)
    expect(await metricValue(w.metrics.written)).toBe(all.length)
    expect(await metricValue(w.metrics.duplicates)).toBe(0)
    expect(await metricValue(w.metrics.storeUnavailable)).toBe(0)
    await expect.poll(async () => (await w.queue.depth()).visible === 0).toBe(true)
  }, 40_000)

  it('on close during a store outage hands the held messages back at once', async () => {
    const outage = { down: true, calls: 0 }
    const w = await started({ wrapObjects: unreachableWhile(outage), drainTimeoutMs: 8000 })
    await w.send(envelope(), envelope())
    await expect
      .poll(async () => (await metricValue(w.metrics.received)) === 2 && outage.calls >= 2)
      .toBe(true)
    const began = Date.now()
    await w.app.close()
    expect(Date.now() - began).toBeLessThan(3000)
    expect(await metricValue(w.metrics.deleted)).toBe(0)
    expect(await w.queue.depth()).toEqual({ visible: 2, inFlight: 0 })
  })

  it('extends the lease of a slow write so the message is not delivered twice', async () => {
    const visibility = watchVisibility()
    const w = await started({
      wrapObjects: slowPuts(2600),
      wrapQueue: visibility.wrap,
      env: { VISIBILITY_TIMEOUT: '2' },
    })
    await w.send(envelope())
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    expect(visibility.calls.length).toBeGreaterThanOrEqual(2)
    expect(visibility.calls.every((s) => s === 2)).toBe(true)
    expect(await metricValue(w.metrics.received)).toBe(1)
    expect(await metricValue(w.metrics.duplicates)).toBe(0)
  }, 15_000)

  it('on close finishes the writes in flight and deletes their messages before it resolves', async () => {
    // Writes long enough that all three are in flight at once even when the queue hands them
    // over in separate receives (moto under load does).
    const w = await started({ wrapObjects: slowPuts(2000) })
    const all = [envelope(), envelope(), envelope()]
    await w.send(...all)
    await expect.poll(() => metricValue(w.metrics.inFlight)).toBe(3)
    await w.app.close()
    expect(await metricValue(w.metrics.deleted)).toBe(3)
    expect(await listKeys(w.objects)).toEqual(all.map(keyOf).sort())
    expect(await w.queue.depth()).toEqual({ visible: 0, inFlight: 0 })
  })

  it('on close releases writes that outlast the drain timeout, so the message is visible again', async () => {
    const visibility = watchVisibility()
    const w = await started({
      wrapObjects: slowPuts(3000),
      wrapQueue: visibility.wrap,
      drainTimeoutMs: 200,
    })
    await w.send(envelope())
    await expect.poll(() => metricValue(w.metrics.inFlight)).toBe(1)
    await w.app.close()
    expect(visibility.calls).toEqual([0])
    expect(await metricValue(w.metrics.deleted)).toBe(0)
    const again = await w.queue.receive({ maxMessages: 1, waitSeconds: 1 })
    expect(again.length).toBe(1)
  })
})
