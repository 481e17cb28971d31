import {
  type Counter,
  createCounter,
  createGauge,
  createHistogram,
  type Gauge,
  type Histogram,
  type Registry,
} from '@ferry/kit'

/** What the worker measures; /metrics renders `registry`. Every metric is unlabelled. */
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
  /** Seconds from the worker receiving a message to its object existing (written or found). */
  receiveToWrite: Histogram
}

/** Upper bounds in seconds: a write takes milliseconds; an outage holds messages for minutes. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

/** The worker's metrics on `registry` (the app's, beside the kit's request metrics). */
export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const counter = (name: string, help: string) =>
    createCounter(registry, { name: `ferry_worker_${name}`, help })
  const gauge = (name: string, help: string) =>
    createGauge(registry, { name: `ferry_worker_${name}`, help })
  return {
    registry,
    received: counter('messages_received_total', 'Messages received from the queue.'),
    written: counter('objects_written_total', 'Messages written as a new object.'),
    duplicates: counter(
      'duplicates_total',
      'Messages whose object already existed (redeliveries), counted as done.',
    ),
    invalid: counter(
      'invalid_messages_total',
      'Receives of a message that is not a known envelope (left for the dead-letter queue).',
    ),
    failed: counter('write_failures_total', 'Writes that failed after the SDK retries.'),
    released: counter(
      'messages_released_total',
      'Messages made visible again early (failed write or shutdown).',
    ),
    deleted: counter('messages_deleted_total', 'Messages deleted after their object existed.'),
    deleteFailed: counter(
      'delete_failures_total',
      'Deletes that failed; the message is redelivered and absorbed as a duplicate.',
    ),
    receiveRequests: counter('receive_requests_total', 'ReceiveMessage requests.'),
    deleteRequests: counter('delete_requests_total', 'DeleteMessageBatch requests.'),
    visibilityRequests: counter(
      'visibility_requests_total',
      'ChangeMessageVisibility requests (heartbeats and releases).',
    ),
    inFlight: gauge('messages_in_flight', 'Messages received and not yet finished.'),
    lastMessageAge: gauge(
      'last_message_age_seconds',
      'End-to-end age of the last finished message: from received_at to its object existing.',
    ),
    storeUnavailable: gauge(
      'store_unavailable',
      '1 while the object store is unavailable: receiving paused, messages held until it answers.',
    ),
    receiveToWrite: createHistogram(registry, {
      name: 'ferry_worker_receive_to_write_seconds',
      help: 'Seconds from receiving a message to its object existing (written, or already there).',
      buckets: LATENCY_BUCKETS,
    }),
  }
}
