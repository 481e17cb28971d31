import {
  type Counter,
  createCounter,
  createHistogram,
  type Histogram,
  type Registry,
} from '@ferry/kit'

/** What the ingest-api counts; /metrics renders them beside the kit's request metrics. */
export interface IngestMetrics {
  /** Messages the queue accepted (one per POST /ingest, one per accepted batch item). */
  accepted: Counter
  /**
   * Counts one refused message under `reason`, the problem code it was answered with: a request
   * refused whole counts once (a batch too: its items were not looked at), and each refused
   * item of a batch answered 207 counts once.
   */
  rejected(reason: string): void
  /** Entries per SendMessageBatch request. */
  batchEntries: Histogram
  /** SendMessageBatch requests, retries of refused entries included. */
  sendRequests: Counter
}

/** 1..10: SQS takes at most 10 entries per SendMessageBatch. */
const BATCH_BUCKETS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

/** The ingest-api's metrics on `registry` (the app's). */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const rejected = createCounter(registry, {
    name: 'ferry_ingest_api_messages_rejected_total',
    help: 'Messages refused, by reason: the problem code the request (or batch item) was answered with.',
    labelNames: ['reason'],
  })
  // Bound once per reason: the codes are constants in the code, so the map stays small.
  const byReason = new Map<string, Counter.Internal>()
  return {
    accepted: createCounter(registry, {
      name: 'ferry_ingest_api_messages_accepted_total',
      help: 'Messages the queue accepted (single requests and batch items).',
    }),
    rejected(reason) {
      let child = byReason.get(reason)
      if (child === undefined) {
        child = rejected.labels(reason)
        byReason.set(reason, child)
      }
      child.inc()
    },
    batchEntries: createHistogram(registry, {
      name: 'ferry_ingest_api_sqs_batch_entries',
      help: 'Entries per SendMessageBatch request (the publisher coalesces concurrent messages).',
      buckets: BATCH_BUCKETS,
    }),
    sendRequests: createCounter(registry, {
      name: 'ferry_ingest_api_sqs_send_requests_total',
      help: 'SendMessageBatch requests, retries of refused entries included.',
    }),
  }
}
