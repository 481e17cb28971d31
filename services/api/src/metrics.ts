import {
  type Counter,
  createCounter,
  createGauge,
  createHistogram,
  type Gauge,
  type Histogram,
  type Registry,
} from '@ferry/kit'

/** What the events consumer measures; /metrics renders them beside the kit's request metrics. */
export interface EventMetrics {
  /** Messages handled (deleted), by what they were. */
  handled: { export: Counter.Internal; notification: Counter.Internal }
  /** Handlings that threw (the message stays for redelivery), by what the message was. */
  failed: { export: Counter.Internal; unknown: Counter.Internal }
  /** Seconds from a message's sentAt to its handling starting. */
  lag: Histogram
  /** The lag of the last message whose handling started. */
  lastLag: Gauge
}

/** Upper bounds in seconds: an idle consumer is at a long poll's answer, a backlog at minutes. */
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]

/** The api's events-consumer metrics on `registry` (the app's). */
export function createEventMetrics(registry: Registry): EventMetrics {
  const handled = createCounter(registry, {
    name: 'ferry_api_events_handled_total',
    help: 'Events-queue messages handled and deleted, by type: export (snapshot written) or notification (logged).',
    labelNames: ['type'],
  })
  const failed = createCounter(registry, {
    name: 'ferry_api_events_failed_total',
    help: 'Events-queue handlings that failed (left for redelivery, in the end the dead-letter queue), by type: export (write failed) or unknown (not a known message).',
    labelNames: ['type'],
  })
  // Every series exists from the start at 0, so a rate over it is defined before the first event.
  const at0 = (counter: Counter, type: string) => {
    const child = counter.labels(type)
    child.inc(0)
    return child
  }
  return {
    handled: { export: at0(handled, 'export'), notification: at0(handled, 'notification') },
    failed: { export: at0(failed, 'export'), unknown: at0(failed, 'unknown') },
    lag: createHistogram(registry, {
      name: 'ferry_api_events_lag_seconds',
      help: "Seconds from a message's SentTimestamp to its handling starting (redeliveries included).",
      buckets: LAG_BUCKETS,
    }),
    lastLag: createGauge(registry, {
      name: 'ferry_api_events_last_lag_seconds',
      help: 'Lag of the last message whose handling started, in seconds.',
    }),
  }
}
