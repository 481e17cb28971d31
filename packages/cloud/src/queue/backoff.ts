/** `baseMs` doubled per earlier failure in a row, capped at `maxMs`. */
export function backoffMs(streak: number, baseMs: number, maxMs: number): number {
  return streak <= 0 ? 0 : Math.min(maxMs, baseMs * 2 ** Math.min(streak - 1, 30))
}

/** A pause shared by concurrent work after failures, such as writes while the store is down. */
export interface Backoff {
  /**
   * Records a failure and returns the ms until the pause ends. Failures during a pause share it
   * rather than lengthen it, so a burst of concurrent failures counts once.
   */
  fail(): number
  /** Ends the pause and forgets the failures. */
  succeed(): void
  /** Ms until the pause ends; 0 when there is none. */
  remainingMs(): number
}

export function createBackoff(options: { baseMs: number; maxMs: number }): Backoff {
  let streak = 0
  let until = 0
  const remainingMs = () => Math.max(0, until - Date.now())
  return {
    fail() {
      if (remainingMs() === 0) {
        streak++
        until = Date.now() + backoffMs(streak, options.baseMs, options.maxMs)
      }
      return remainingMs()
    },
    succeed() {
      streak = 0
      until = 0
    },
    remainingMs,
  }
}
