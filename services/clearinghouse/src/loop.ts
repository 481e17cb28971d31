import { randomUUID } from 'node:crypto'
import { type AttemptDeps, type AttemptOptions, attemptClaim } from './attempt.ts'
import { type Claim, claimNext, failAbandoned, release } from './file-log.ts'
import { syncListing, type Watched } from './poll.ts'

export interface LoopOptions extends AttemptOptions {
  watched: Watched
  pollIntervalMs: number
  concurrency: number
}

export interface Loop {
  /**
   * Until `signal` aborts: lists the bucket every poll interval and keeps up to `concurrency`
   * files loading, claiming the next as soon as one ends. The listing runs beside the claiming,
   * so a slow bucket never holds back a file an event made due. A failing database or bucket
   * pauses the work (logged): claiming is retried after a short backoff (up to a poll interval),
   * listing at the next poll; the loop itself never fails.
   * On abort, stops claiming, releases unfinished files and resolves once they rolled back.
   */
  run(signal: AbortSignal): Promise<void>
  /** Looks for due files now instead of at the next poll (a new object, a retry request). */
  wake(): void
  /**
   * The readiness of the loop: resolves while its last listing and its last claiming round
   * succeeded, else rejects naming what failed, how many times in a row, and the last error.
   */
  check(): Promise<void>
}

/** The first pause before claiming again after a failed claiming round; doubles up to a poll. */
const CLAIM_RETRY_MS = 500

export function createLoop(deps: AttemptDeps, options: LoopOptions): Loop {
  const { sql, log } = deps
  const { watched } = options
  const active = new Set<Promise<void>>()
  const stranded: Claim[] = []
  const waker = createWaker()
  const listing = createStreak('listing the bucket')
  const claiming = createStreak('claiming files')

  async function sync(): Promise<void> {
    try {
      await failAbandoned(sql, watched.bucket, options.retry.maxAttempts)
      const { seen, pending } = await syncListing(sql, deps.store, watched)
      listing.succeeded()
      if (pending > 0) log.info({ seen, pending }, 'listing found new or changed files')
    } catch (error) {
      const failures = listing.failed(error)
      log.error({ err: error, failures }, 'poll failed: listing the bucket; retrying next poll')
    }
  }

  async function releaseStranded(): Promise<void> {
    while (stranded.length > 0) {
      const claim = stranded[0] as Claim
      await release(sql, claim)
      stranded.shift()
    }
  }

  async function fill(signal: AbortSignal): Promise<void> {
    while (active.size < options.concurrency && !signal.aborted) {
      const claim = await claimNext(sql, watched.bucket, randomUUID(), {
        leaseSeconds: options.leaseSeconds,
        maxAttempts: options.retry.maxAttempts,
      })
      if (!claim) return
      const job = attemptClaim(deps, claim, options, signal)
        .then((outcome) => {
          if (outcome === 'stranded') stranded.push(claim)
        })
        .finally(() => {
          active.delete(job)
          waker.wake()
        })
      active.add(job)
    }
  }

  /** Releases what an earlier round could not, then claims files up to the concurrency. */
  async function claim(signal: AbortSignal): Promise<boolean> {
    try {
      await releaseStranded()
      await fill(signal)
      claiming.succeeded()
      return true
    } catch (error) {
      const failures = claiming.failed(error)
      log.error({ err: error, failures }, 'poll failed: claiming files; retrying shortly')
      return false
    }
  }

  return {
    async run(signal) {
      // The listing runs beside the claiming, so a slow bucket never holds back files that an
      // event or a retry made due; its end wakes the loop to claim what it found.
      let listed: Promise<void> | undefined
      let nextPoll = 0
      let retryMs = CLAIM_RETRY_MS
      while (!signal.aborted) {
        if (!listed && Date.now() >= nextPoll) {
          nextPoll = Date.now() + options.pollIntervalMs
          listed = sync().finally(() => {
            listed = undefined
            waker.wake()
          })
        }
        const claimed = await claim(signal)
        // A due poll waits for the running listing to end (it wakes the loop).
        const untilPoll = listed ? Math.max(nextPoll - Date.now(), 1000) : nextPoll - Date.now()
        await waker.sleep(claimed ? untilPoll : Math.min(untilPoll, retryMs), signal)
        retryMs = claimed ? CLAIM_RETRY_MS : Math.min(retryMs * 2, options.pollIntervalMs)
      }
      await listed
      await Promise.allSettled([...active])
    },
    wake: () => waker.wake(),
    async check() {
      const problem = listing.problem() ?? claiming.problem()
      if (problem) throw new Error(problem)
    },
  }
}

/** Consecutive failures of one step of the loop, for /ready. */
function createStreak(step: string) {
  let count = 0
  let since: Date | undefined
  let last = ''
  return {
    succeeded(): void {
      count = 0
      since = undefined
    },
    failed(error: unknown): number {
      count++
      since ??= new Date()
      last = error instanceof Error ? error.message : String(error)
      return count
    },
    problem(): string | undefined {
      if (count === 0) return undefined
      const times = count === 1 ? 'once' : `${count} times in a row`
      return `${step} failed ${times} since ${since?.toISOString()}: ${last}`
    },
  }
}

/** A sleep that `wake()` cuts short; a wake while awake makes the next sleep return at once. */
function createWaker() {
  let pending = false
  let cut: (() => void) | undefined
  return {
    wake(): void {
      if (cut) cut()
      else pending = true
    },
    sleep(ms: number, signal: AbortSignal): Promise<void> {
      if (pending || signal.aborted || ms <= 0) {
        pending = false
        return Promise.resolve()
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer)
          signal.removeEventListener('abort', done)
          cut = undefined
          resolve()
        }
        const timer = setTimeout(done, ms)
        signal.addEventListener('abort', done, { once: true })
        cut = done
      })
    },
  }
}
