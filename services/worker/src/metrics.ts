/** A monotonically increasing count. */
export interface Counter {
  inc(by?: number): void
  value(): number
}

/** A value that goes up and down. */
export interface Gauge {
  set(value: number): void
  value(): number
}

interface Family {
  name: string
  help: string
  type: 'counter' | 'gauge'
  read: () => number
}

/** A handful of unlabelled counters and gauges rendered in the Prometheus text format (0.0.4). */
export interface Registry {
  counter(name: string, help: string): Counter
  /** A gauge set by the caller, or read from `read` at scrape time. */
  gauge(name: string, help: string, read?: () => number): Gauge
  render(): string
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}

const escapeHelp = (help: string) => help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')

export function createRegistry(): Registry {
  const families: Family[] = []
  const add = (family: Family) => {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(family.name)) {
      throw new Error(`invalid metric name ${family.name}`)
    }
    if (families.some((f) => f.name === family.name)) {
      throw new Error(`metric ${family.name} registered twice`)
    }
    families.push(family)
  }
  return {
    counter(name, help) {
      let count = 0
      add({ name, help, type: 'counter', read: () => count })
      return {
        inc: (by = 1) => {
          count += by
        },
        value: () => count,
      }
    },
    gauge(name, help, read) {
      let current = 0
      const value = read ?? (() => current)
      add({ name, help, type: 'gauge', read: value })
      return {
        set: (v) => {
          current = v
        },
        value,
      }
    },
    render() {
      return families
        .map(
          (f) =>
            `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n${f.name} ${formatValue(f.read())}\n`,
        )
        .join('')
    },
  }
}

/** What the worker counts; /metrics renders `registry`. */
export interface WorkerMetrics {
  registry: Registry
  received: Counter
  written: Counter
  duplicates: Counter
  invalid: Counter
  failed: Counter
  released: Counter
  deleted: Counter
  deleteFailed: Counter
  receiveRequests: Counter
  deleteRequests: Counter
  visibilityRequests: Counter
  /** Messages received and not yet finished. */
  inFlight: Gauge
  /** Seconds from the last finished message's received_at to its object being in the store. */
  lastMessageAge: Gauge
  /** 1 while the object store is unavailable (receiving paused, messages held), else 0. */
  storeUnavailable: Gauge
}

export function createWorkerMetrics(): WorkerMetrics {
  const r = createRegistry()
  const p = 'ferry_worker_'
  const metrics: WorkerMetrics = {
    registry: r,
    received: r.counter(`${p}messages_received_total`, 'Messages received from the queue.'),
    written: r.counter(`${p}objects_written_total`, 'Messages written as a new object.'),
    duplicates: r.counter(
      `${p}duplicates_total`,
      'Messages whose object already existed (redeliveries), counted as done.',
    ),
    invalid: r.counter(
      `${p}invalid_messages_total`,
      'Receives of a message that is not a known envelope (left for the dead-letter queue).',
    ),
    failed: r.counter(`${p}write_failures_total`, 'Writes that failed after the SDK retries.'),
    released: r.counter(
      `${p}messages_released_total`,
      'Messages made visible again early (failed write or shutdown).',
    ),
    deleted: r.counter(
      `${p}messages_deleted_total`,
      'Messages deleted after their object existed.',
    ),
    deleteFailed: r.counter(
      `${p}delete_failures_total`,
      'Deletes that failed; the message is redelivered and absorbed as a duplicate.',
    ),
    receiveRequests: r.counter(`${p}receive_requests_total`, 'ReceiveMessage requests.'),
    deleteRequests: r.counter(`${p}delete_requests_total`, 'DeleteMessageBatch requests.'),
    visibilityRequests: r.counter(
      `${p}visibility_requests_total`,
      'ChangeMessageVisibility requests (heartbeats and releases).',
    ),
    inFlight: r.gauge(`${p}messages_in_flight`, 'Messages received and not yet finished.'),
    lastMessageAge: r.gauge(
      `${p}last_message_age_seconds`,
      'End-to-end age of the last finished message: from received_at to its object existing.',
    ),
    storeUnavailable: r.gauge(
      `${p}store_unavailable`,
      '1 while the object store is unavailable: receiving paused, messages held until it answers.',
    ),
  }
  return metrics
}
