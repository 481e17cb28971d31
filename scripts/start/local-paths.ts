import type { LocalPaths } from '@ferry/kit'

/** Where `npm start` keeps the resources services share, relative to `.data/`. */
export const LOCAL_PATHS: LocalPaths = {
  ingestQueue: 'queues/ingest?maxReceiveCount=5',
  payloadsBucket: 'buckets/payloads',
  rawBucket: 'buckets/raw',
  documentsBucket: 'buckets/documents',
  filesBucket: 'buckets/files',
  eventsTopic: 'topics/events',
  eventsQueue: 'queues/events?maxReceiveCount=5',
  secrets: 'secrets',
}
