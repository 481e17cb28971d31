import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import type { Database } from '../src/database.ts'
import {
  createTestDatabase,
  startTcpProxyTo,
  type TcpProxy,
  type TestDatabase,
} from '../src/testing.ts'
import { OPEN_TIMEOUT } from './backends.ts'

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
  let target: TestDatabase
  let proxy: TcpProxy
  let db: Database

  beforeAll(async () => {
    target = await createTestDatabase()
    proxy = await startTcpProxyTo(target.url)
    db = await connect(proxy.via(target.url), { max: 4 })
  }, OPEN_TIMEOUT)
  afterAll(async () => {
    await db?.close()
    await proxy?.close()
    await target?.cleanup()
  })

  it('fails each query within seconds while it is away, and answers within a second of its return', async () => {
    await db.sql`select 1`
    await proxy.cut()
    // Every refused reconnection lengthens postgres.js's reconnect delay (up to 20 s by default).
    const during = []
    for (let i = 0; i < 12; i++) during.push(await timed(() => db.sql`select 1`))
    expect(during.every((q) => q.failed)).toBe(true)
    expect(Math.max(...during.map((q) => q.ms))).toBeLessThan(2500)
    await proxy.restore()
    const after = await timed(() => db.sql`select 1`)
    expect(after.failed).toBe(false)
    expect(after.ms).toBeLessThan(1500)
  })
})
