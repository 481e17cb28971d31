import { setTimeout as sleep } from 'node:timers/promises'
import { backoffMs, type ConsumeLog, isCloudError } from '@ferry/cloud'

/**
 * True for a failure of the store itself (unreachable, 5xx, throttled), which says nothing about
 * the message: retrying the same write later may succeed, so the message must not be counted.
 */
export function isStoreOutage(error: unknown): boolean {
  return isCloudError(error) && error.transient
}

/**
 * Whether the object store answers. While it does not, the consumer receives nothing and holds
 * the messages it has (their leases extended) instead of releasing them: every receive counts
 * toward the queue's maxReceiveCount, so an outage longer than maxReceiveCount × the visibility
 * timeout would otherwise walk valid messages into the dead-letter queue.
 */
export interface StoreGate {
  readonly down: boolean
  /**
   * Records an outage: the first call starts probing the store (`ping`, after 1 s doubling to
   * 30 s) until it answers, or until `signal` aborts. Later calls during the outage change nothing.
   */
  markDown(error: unknown, signal: AbortSignal): void
  /** Records that the store answered (a write succeeded): wakes everything waiting. */
  markUp(): void
  /** Resolves true at once while the store is up, or once it answers again; false if `signal` aborts first. */
  whenUp(signal: AbortSignal): Promise<boolean>
}

export interface StoreGateOptions {
  ping: () => Promise<void>
  log: ConsumeLog
  /** Told 1 when the store goes down, 0 when it answers again. */
  gauge?: { set(value: number): void }
  baseMs?: number
  maxMs?: number
}

export function createStoreGate(options: StoreGateOptions): StoreGate {
  const { ping, log } = options
  const baseMs = options.baseMs ?? 1000
  const maxMs = options.maxMs ?? 30_000
  let down = false
  let since = 0
  const waiters = new Set<() => void>()

  const markUp = () => {
    if (!down) return
    down = false
    options.gauge?.set(0)
    log.warn({ outage_s: (Date.now() - since) / 1000 }, 'object store answers again; receiving')
    for (const wake of waiters) wake()
    waiters.clear()
  }

  const probe = async (signal: AbortSignal) => {
    for (let streak = 1; down && !signal.aborted; streak++) {
      await sleep(backoffMs(streak, baseMs, maxMs), undefined, { signal }).catch(() => undefined)
      if (!down || signal.aborted) return
      try {
        await ping()
        markUp()
      } catch (error) {
        log.debug({ err: error }, 'object store still unavailable')
      }
    }
  }

  return {
    get down() {
      return down
    },
    markDown(error, signal) {
      if (down) return
      down = true
      since = Date.now()
      options.gauge?.set(1)
      log.error(
        { err: error },
        'object store unavailable; receiving paused and messages held until it answers',
      )
      void probe(signal)
    },
    markUp,
    whenUp(signal) {
      if (!down) return Promise.resolve(true)
      if (signal.aborted) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', onAbort)
          resolve(true)
        }
        const onAbort = () => {
          waiters.delete(wake)
          resolve(false)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        waiters.add(wake)
      })
    },
  }
}
