/**
 * Runs tasks one at a time per key, in the order they were submitted; tasks of different keys
 * run concurrently. A failed task does not stop the next one.
 */
export type KeySerializer = <T>(key: string, task: () => Promise<T>) => Promise<T>

export function createKeySerializer(): KeySerializer {
  const tails = new Map<string, Promise<void>>()
  return (key, task) => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task)
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    return run
  }
}
