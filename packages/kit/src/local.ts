/**
 * The contract between `npm start` (scripts/start.ts) and a service's `src/local.ts`, which
 * exports `port: number` and `localEnv(context): Promise<LocalService>`.
 */
export interface LocalContext {
  /** Absolute path of the repository's `.data/` directory. */
  dataDir: string
  /** The `file://` URL of a path under `.data/`. */
  local(path: string): string
}

export interface LocalService {
  /** Environment of the service's process, on top of PORT, HOST and LOG_LEVEL. */
  env: Record<string, string>
  /** Lines printed once everything started: dev credentials, a curl to try. */
  notes?: string[]
}

/**
 * Where the local resources that services share live under `.data/`, so that the producer and the
 * consumer of a queue or bucket name the same directory.
 */
export const LOCAL_PATHS = {
  ingestQueue: 'queues/ingest?maxReceiveCount=5',
  payloadsBucket: 'buckets/payloads',
  rawBucket: 'buckets/raw',
  documentsBucket: 'buckets/documents',
  filesBucket: 'buckets/files',
  eventsTopic: 'topics/events',
  eventsQueue: 'queues/events?maxReceiveCount=5',
  secrets: 'secrets',
  databases: 'pg',
} as const
