import { setTimeout as sleep } from 'node:timers/promises'
import type { ObjectStore } from '@ferry/cloud'
import { testResourceKinds } from '@ferry/cloud/testing'
import { createRegistry, metricValue } from '@ferry/kit'
import { sampleValue } from '@ferry/kit/testing'
import { describe, expect, it } from 'vitest'
import { createWorkerMetrics } from '../src/metrics.ts'
import { envelope, keyOf, startedWorkers } from './helpers.ts'

describe('the worker metrics', () => {
  it('lists every worker metric the issue asks for, each starting at 0', async () => {
    const text = await createWorkerMetrics(createRegistry()).registry.metrics()
    for (const name of [
      'ferry_worker_messages_received_total',
      'ferry_worker_objects_written_total',
      'ferry_worker_duplicates_total',
      'ferry_worker_write_failures_total',
      'ferry_worker_messages_deleted_total',
      'ferry_worker_messages_in_flight',
      'ferry_worker_last_message_age_seconds',
      'ferry_worker_store_unavailable',
    ]) {
      expect(text).toContain(`\n${name} 0\n`)
    }
  })

  it('declares counts as counters, levels as gauges and the latency as a histogram', async () => {
    const text = await createWorkerMetrics(createRegistry()).registry.metrics()
    const types = Object.fromEntries(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]),
    )
    const { ferry_worker_receive_to_write_seconds: latency, ...others } = types
    expect(latency).toBe('histogram')
    for (const [name, type] of Object.entries(others)) {
      expect(type).toBe(name.endsWith('_total') ? 'counter' : 'gauge')
    }
    expect(Object.keys(types)).toHaveLength(15)
  })

  it('builds metrics of the same names twice in one process, as tests with several workers do', () => {
    createWorkerMetrics(createRegistry())
    expect(() => createWorkerMetrics(createRegistry())).not.toThrow()
  })
})

/** Every put takes `ms` longer, as a slow store would. */
const slowPuts =
  (ms: number) =>
  (objects: ObjectStore): ObjectStore => ({
    ...objects,
    async put(key, body, options) {
      await sleep(ms)
      return objects.put(key, body, options)
    },
  })

describe.each(testResourceKinds())('the worker on %s at /metrics', (kind) => {
  const started = startedWorkers(kind)

  it('times each message from its receipt to its object existing, without ids in labels', async () => {
    const w = await started({ wrapObjects: slowPuts(300) })
    const [first, second] = [envelope(), envelope()]
    await w.send(first, second)
    await expect.poll(() => metricValue(w.metrics.deleted), { timeout: 20_000 }).toBe(2)
    const res = await w.app.inject('/metrics')
    expect(res.statusCode).toBe(200)
    const text = res.body
    const latency = (sample: string, labels = {}) =>
      sampleValue(text, `ferry_worker_receive_to_write_seconds_${sample}`, labels)
    expect(latency('count')).toBe(2)
    expect(latency('sum')).toBeGreaterThanOrEqual(0.6)
    expect(latency('bucket', { le: 0.25 })).toBe(0)
    expect(latency('bucket', { le: 300 })).toBe(2)
    expect(sampleValue(text, 'ferry_worker_objects_written_total')).toBe(2)
    for (const e of [first, second]) {
      expect(text).not.toContain(e.message_id)
      expect(text).not.toContain(keyOf(e))
    }
  })
})
