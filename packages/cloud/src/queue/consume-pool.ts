/** A counting semaphore over the messages a consumer may hold at once. */
export interface Pool {
  /** Slots taken now. */
  readonly used: number
  /**
   * Waits until `n` slots are free, then takes them; waiters are served in order. Resolves false
   * (taking nothing) when `signal` aborts first.
   */
  take(n: number, signal: AbortSignal): Promise<boolean>
  /** Returns `n` slots. */
  give(n: number): void
}

interface Waiter {
  n: number
  wake: () => void
}

export function createPool(capacity: number): Pool {
  let used = 0
  const waiters: Waiter[] = []
  const serve = () => {
    for (let w = waiters[0]; w && used + w.n <= capacity; w = waiters[0]) {
      waiters.shift()
      used += w.n
      w.wake()
    }
  }
  return {
    get used() {
      return used
    },
    take(n, signal) {
      if (signal.aborted) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        const waiter: Waiter = {
          n,
          wake: () => {
            signal.removeEventListener('abort', onAbort)
            resolve(true)
          },
        }
        const onAbort = () => {
          waiters.splice(waiters.indexOf(waiter), 1)
          resolve(false)
          serve()
        }
        signal.addEventListener('abort', onAbort, { once: true })
        waiters.push(waiter)
        serve()
      })
    },
    give(n) {
      used -= n
      serve()
    },
  }
}
