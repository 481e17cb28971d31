import { describe, expect, it } from 'vitest'
import { createRegistry, createWorkerMetrics } from '../src/metrics.ts'

describe('the metrics registry', () => {
  it('renders counters and gauges with HELP and TYPE lines', () => {
    const registry = createRegistry()
    const counter = registry.counter('jobs_total', 'Jobs done.')
    const gauge = registry.gauge('queue_depth', 'Jobs waiting.')
    counter.inc()
    counter.inc(2)
    gauge.set(1.5)
    expect(registry.render()).toBe(
      '# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 3\n' +
        '# HELP queue_depth Jobs waiting.\n# TYPE queue_depth gauge\nqueue_depth 1.5\n',
    )
  })

  it('reads a callback gauge at render time', () => {
    const registry = createRegistry()
    let n = 1
    registry.gauge('live', 'Live value.', () => n)
    n = 7
    expect(registry.render()).toContain('\nlive 7\n')
  })

  it('escapes backslashes and newlines in help text', () => {
    const registry = createRegistry()
    registry.counter('x_total', 'a\\b\nc')
    expect(registry.render()).toContain('# HELP x_total a\\\\b\\nc\n')
  })

  it('refuses a name Prometheus would reject, and a name registered twice', () => {
    const registry = createRegistry()
    expect(() => registry.counter('bad-name', 'x')).toThrow(/invalid metric name/)
    registry.counter('ok_total', 'x')
    expect(() => registry.gauge('ok_total', 'x')).toThrow(/registered twice/)
  })

  it('lists every worker metric the issue asks for', () => {
    const text = createWorkerMetrics().registry.render()
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
})
