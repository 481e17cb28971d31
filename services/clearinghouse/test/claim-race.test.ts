import type { Sql } from '@ferry/db'
import type { TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { claimNext, recordSeen, type SeenObject } from '../src/file-log.ts'
import { migratedDatabase } from './helpers.ts'

let db: TestDatabase
beforeAll(async () => {
  db = await migratedDatabase()
})
afterAll(async () => {
  await db?.cleanup()
})

const seen: SeenObject = { key: 'race/a.json', etag: '"e1"', size: 9, lastModified: new Date() }
/** The queries take the pool's type; a transaction runs them the same way. */
const inTransaction = (tx: unknown) => tx as Sql
const claimOptions = { leaseSeconds: 60, maxAttempts: 3 }

// The event consumer and the listing record the same new key at once: the one that loses the
// insert race must not hold the row, or a claim running meanwhile (SKIP LOCKED) passes over a
// file just recorded and nothing claims it before the next poll.
it('a session that loses the race to record a new key holds no lock on its row', async () => {
  let commitFirst = () => {}
  const firstCommits = new Promise<void>((resolve) => {
    commitFirst = resolve
  })
  let firstRecorded = () => {}
  const firstInserted = new Promise<void>((resolve) => {
    firstRecorded = resolve
  })
  const first = db.sql.begin(async (tx) => {
    await recordSeen(inTransaction(tx), 'bucket', 'bucket', [seen])
    firstRecorded()
    await firstCommits
  })
  await firstInserted

  let claimed: Awaited<ReturnType<typeof claimNext>>
  await db.sql.begin(async (second) => {
    const recording = recordSeen(inTransaction(second), 'bucket', 'bucket', [seen])
    commitFirst()
    await first
    expect(await recording).toBe(0)
    // The second session's transaction is still open here.
    claimed = await claimNext(db.sql, 'bucket', 'claimer', claimOptions)
  })
  expect(claimed).toMatchObject({ key: 'race/a.json', attempts: 1 })
})
