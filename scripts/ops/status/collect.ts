// What `ferry status` reads, as plain data: each service's /ready, each queue's and dead-letter
// queue's depth, and the clearinghouse's files by status. Every probe is bounded by a timeout and
// a probe that fails becomes that row's reason, never the whole table's failure.
import type { Queue, QueueDepth } from '@ferry/cloud'

/** A value read, or why it could not be read ("unreachable (ECONNREFUSED)", "HTTP 401", …). */
export type Reading<T> = { ok: true; value: T } | { ok: false; reason: string }

/** Files per status and records loaded, as the clearinghouse's GET /stats answers. */
export interface FileCounts {
  files: { pending: number; processing: number; COMPLETED: number; FAILED: number; total: number }
  records_loaded: number
}

export interface ServiceSource {
  name: string
  /** Base URL (`http://127.0.0.1:3000`); undefined when nothing says where the service is. */
  url: string | undefined
  /** Why there is no URL, when there is more to say than "pass --url". */
  reason?: string
}

/** An opened queue and its dead-letter queue, or why they could not be opened. */
export type QueueSource = { name: string } & ({ queue: Queue; dlq: Queue } | { error: string })

export interface StatusSources {
  services: ServiceSource[]
  queues: QueueSource[]
  /** Counts files by status; rejects with an Error whose message says why it cannot. */
  countFiles: (signal: AbortSignal) => Promise<FileCounts>
  /** Bound of every probe; default 3000 ms (a service's own readiness checks take up to 2 s). */
  timeoutMs?: number
}

export interface ServiceStatus {
  name: string
  url: string | undefined
  /** `ready` (200), `unavailable` (503: `checks` names the failing ones) or `unreadable`. */
  state: 'ready' | 'unavailable' | 'unreadable'
  /** check name → 'ok' or why it failed; empty when unreadable. */
  checks: Record<string, string>
  /** Why the row is unreadable. */
  reason?: string
}

export interface QueueStatus {
  name: string
  depth: Reading<QueueDepth>
  /** Messages in the dead-letter queue, visible or not. */
  dead: Reading<number>
}

export interface StatusData {
  at: Date
  services: ServiceStatus[]
  queues: QueueStatus[]
  files: Reading<FileCounts>
}

const DEFAULT_TIMEOUT_MS = 3000

/** Why a probe failed, in a few words: `unreachable (ECONNREFUSED)`, `timeout after 3 s`, … */
export function describeFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return error.message.startsWith('timeout') ? error.message : 'timeout'
  }
  if (!(error instanceof Error)) return String(error)
  // fetch rejects with "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, bad port).
  const cause = error.cause as { code?: string; message?: string } | undefined
  if (cause?.code) return `unreachable (${cause.code})`
  if (cause?.message) return `${error.message} (${cause.message})`
  return error.message || error.name
}

/** Runs `probe` with a signal that aborts after `ms`; rejects `timeout after …` by then at latest. */
export async function bounded<T>(
  ms: number,
  probe: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`timeout after ${ms / 1000} s`)
      error.name = 'TimeoutError'
      controller.abort(error)
      reject(error)
    }, ms)
  })
  try {
    return await Promise.race([probe(controller.signal), timedOut])
  } finally {
    clearTimeout(timer)
  }
}

async function read<T>(
  ms: number,
  probe: (signal: AbortSignal) => Promise<T>,
): Promise<Reading<T>> {
  try {
    return { ok: true, value: await bounded(ms, probe) }
  } catch (error) {
    return { ok: false, reason: describeFailure(error) }
  }
}

/** GET <url>/ready: 200 and 503 carry the kit's `{ status, checks }`; anything else is unreadable. */
async function probeService(source: ServiceSource, ms: number): Promise<ServiceStatus> {
  const { name, url } = source
  if (url === undefined) {
    const reason = `no url (${source.reason ?? `--url ${name}=http://…`})`
    return { name, url, state: 'unreadable', checks: {}, reason }
  }
  const reply = await read(ms, async (signal) => {
    const response = await fetch(new URL('/ready', url), { signal })
    const body = (await response.json().catch(() => undefined)) as
      | { checks?: Record<string, string> }
      | undefined
    return { status: response.status, checks: body?.checks }
  })
  if (!reply.ok) return { name, url, state: 'unreadable', checks: {}, reason: reply.reason }
  const { status, checks } = reply.value
  if ((status === 200 || status === 503) && checks) {
    return { name, url, state: status === 200 ? 'ready' : 'unavailable', checks }
  }
  return { name, url, state: 'unreadable', checks: {}, reason: `HTTP ${status} from /ready` }
}

async function probeQueue(source: QueueSource, ms: number): Promise<QueueStatus> {
  if ('error' in source) {
    const failed = { ok: false, reason: source.error } as const
    return { name: source.name, depth: failed, dead: failed }
  }
  const [depth, dead] = await Promise.all([
    read(ms, () => source.queue.depth()),
    read(ms, async () => {
      const { visible, inFlight } = await source.dlq.depth()
      return visible + inFlight
    }),
  ])
  return { name: source.name, depth, dead }
}

/** Reads everything the sources name, concurrently; resolves within about `timeoutMs`. */
export async function collectStatus(sources: StatusSources): Promise<StatusData> {
  const ms = sources.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const [services, queues, files] = await Promise.all([
    Promise.all(sources.services.map((s) => probeService(s, ms))),
    Promise.all(sources.queues.map((q) => probeQueue(q, ms))),
    read(ms, sources.countFiles),
  ])
  return { at: new Date(), services, queues, files }
}

/**
 * Counts files through the clearinghouse's operator API (GET <url>/stats with the bearer token),
 * so the table never reaches into its database. The rejection names a 401, a missing URL or token.
 */
export function clearinghouseStats(
  url: string | undefined,
  token: () => Promise<string | undefined>,
): (signal: AbortSignal) => Promise<FileCounts> {
  return async (signal) => {
    if (url === undefined) throw new Error('no clearinghouse url (--url clearinghouse=http://…)')
    const bearer = await token()
    const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {}
    const response = await fetch(new URL('/stats', url), { headers, signal })
    if (response.status === 401) {
      await response.body?.cancel()
      throw new Error(
        bearer ? 'HTTP 401: the operator token was refused' : 'HTTP 401: no operator token',
      )
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`HTTP ${response.status} from /stats`)
    }
    return (await response.json()) as FileCounts
  }
}
