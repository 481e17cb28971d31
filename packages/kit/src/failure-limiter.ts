import { HttpProblem } from './problem.ts'

export interface FailureLimiterOptions {
  /** Failures a client may have within one window before it is refused, default 20. */
  maxFailures?: number
  /** Length of the window in seconds, default 60. */
  windowSeconds?: number
  /** Clients tracked at once; the oldest window is forgotten first, default 10,000. */
  maxClients?: number
  /** Clock, for tests. */
  now?: () => number
}

/**
 * Counts failed authentications per client (its address) in fixed windows. A client that failed
 * `maxFailures` times is refused until its window ends, whatever it sends, so guessing tokens
 * costs a window per `maxFailures` guesses. Memory is bounded by `maxClients`.
 */
export interface FailureLimiter {
  /** Throws 429 with Retry-After while `client` is refused. */
  check(client: string): void
  /** Counts one failure of `client`. */
  fail(client: string): void
}

interface Window {
  failures: number
  endsAt: number
}

export function createFailureLimiter(options: FailureLimiterOptions = {}): FailureLimiter {
  const maxFailures = options.maxFailures ?? 20
  const windowMs = (options.windowSeconds ?? 60) * 1000
  const maxClients = options.maxClients ?? 10_000
  const now = options.now ?? Date.now
  const windows = new Map<string, Window>()

  function current(client: string): Window | undefined {
    const window = windows.get(client)
    if (window && window.endsAt <= now()) {
      windows.delete(client)
      return undefined
    }
    return window
  }

  return {
    check(client) {
      const window = current(client)
      if (!window || window.failures < maxFailures) return
      const seconds = Math.max(1, Math.ceil((window.endsAt - now()) / 1000))
      throw new HttpProblem(
        429,
        `Too many failed authentications from this address; retry in ${seconds} s.`,
        { code: 'too_many_failed_authentications', headers: { 'retry-after': String(seconds) } },
      )
    },
    fail(client) {
      const window = current(client)
      if (window) {
        window.failures += 1
        return
      }
      // Map iteration is insertion order: the first entry is the oldest window.
      if (windows.size >= maxClients) {
        const oldest = windows.keys().next().value
        if (oldest !== undefined) windows.delete(oldest)
      }
      windows.set(client, { failures: 1, endsAt: now() + windowMs })
    },
  }
}
