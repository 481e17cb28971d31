import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * The contract between `npm start` (scripts/start.ts) and a service's `src/local.ts`, which
 * exports `port: number` and `localEnv(context): Promise<LocalService>`.
 */
export interface LocalContext {
  /** Absolute path of the repository's `.data/` directory. */
  dataDir: string
  /** The port this service will listen on (its `port`, unless the start script moved it). */
  port: number
  /** Where the shared resources live under `.data/`. */
  paths: LocalPaths
  /** The `file://` URL of a path under `.data/`. */
  local(path: string): string
  /**
   * The `postgres://` URL of the database `name` on the embedded PostgreSQL server that
   * `npm start` runs, created on first use.
   */
  database(name: string): Promise<string>
}

export interface LocalService {
  /** Environment of the service's process, on top of PORT, HOST and LOG_LEVEL. */
  env: Record<string, string>
  /** Lines printed once everything started: dev credentials, a curl to try. */
  notes?: string[]
}

/**
 * The resources under `.data/` that more than one service names (producer and consumer of a
 * queue or bucket), as paths relative to it; scripts/start/local-paths.ts says where they are.
 */
export interface LocalPaths {
  ingestQueue: string
  payloadsBucket: string
  rawBucket: string
  documentsBucket: string
  filesBucket: string
  eventsTopic: string
  eventsQueue: string
  secrets: string
}

/** Writes `text` to a file only its owner may read, making its directory. */
export function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${text}\n`, { mode: 0o600 })
}

/** The secret kept at `path` for local runs: made by `make` (32 random bytes, hex) on first use. */
export function devSecret(path: string, make = () => randomBytes(32).toString('hex')): string {
  if (!existsSync(path)) writePrivate(path, make())
  return readFileSync(path, 'utf8').trim()
}
