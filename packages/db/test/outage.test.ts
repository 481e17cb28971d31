import { describe, expect, it } from 'vitest'
import { proxiedDatabase } from './backends.ts'

/** How long `work` took, in ms, whether it resolved or rejected. */
async function timed(work: () => Promise<unknown>): Promise<{ ms: number; failed: boolean }> {
  const started = performance.now()
  const failed = await work().then(
    () => false,
    () => true,
  )
  return { ms: performance.now() - started, failed }
}

describe('a database that becomes unreachable', () => {
  const proxied = proxiedDatabase(4)

  it('fails each query within seconds while it is away, and answers within a second of its return', async () => {
    await proxied.db.sql`select 1`
    await proxied.proxy.cut()
    // Every refused reconnection lengthens postgres.js's reconnect delay (up to 20 s by default).
    const during = []
    for (let i = 0; i < 12; i++) during.push(await timed(() => proxied.db.sql`select 1`))
    expect(during.every((q) => q.failed)).toBe(true)
    expect(Math.max(...during.map((q) => q.ms))).toBeLessThan(2500)
    await proxied.proxy.restore()
    const after = await timed(() => proxied.db.sql`select 1`)
    expect(after.failed).toBe(false)
    expect(after.ms).toBeLessThan(1500)
  })
})
