import { createRegistry } from '@ferry/kit'
import { describe, expect, it } from 'vitest'
import { createWorkerMetrics } from '../src/metrics.ts'

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

  it('declares counts as counters and levels as gauges', async () => {
    const text = await createWorkerMetrics(createRegistry()).registry.metrics()
    const types = Object.fromEntries(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]),
    )
    for (const [name, type] of Object.entries(types)) {
      expect(type).toBe(name.endsWith('_total') ? 'counter' : 'gauge')
    }
    expect(Object.keys(types)).toHaveLength(14)
  })

  it('builds metrics of the same names twice in one process, as tests with several workers do', () => {
    createWorkerMetrics(createRegistry())
    expect(() => createWorkerMetrics(createRegistry())).not.toThrow()
  })
})
