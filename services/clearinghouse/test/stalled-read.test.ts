import { Readable } from 'node:stream'
import type { ObjectStore } from '@ferry/cloud'
import type { TestDatabase } from '@ferry/db/testing'
import { afterEach, beforeEach, expect, it } from 'vitest'
import {
  countRecords,
  migratedDatabase,
  openTestBucket,
  sampleRecords,
  startService,
  type TestBucket,
  type TestService,
  waitForLoading,
  waitForRow,
  waitForStatus,
} from './helpers.ts'

let db: TestDatabase
let bucket: TestBucket
const services: TestService[] = []

beforeEach(async () => {
  db = await migratedDatabase()
  bucket = await openTestBucket({ local: true })
})

afterEach(async () => {
  for (const s of services.splice(0)) await s.close()
  await bucket.cleanup()
  await db.cleanup()
})

/** A store whose first `stalls` reads give a few bytes and then nothing, never ending. */
function stalling(stalls: number) {
  return (store: ObjectStore): ObjectStore => ({
    ...store,
    name: store.name,
    async get(key, options) {
      const result = await store.get(key, options)
      if (stalls-- <= 0) return result
      result.body.destroy()
      const body = new Readable({ read() {} })
      body.push('[{"a":1},')
      return { ...result, body }
    },
  })
}

it('fails an attempt whose read stalls past READ_TIMEOUT_SECONDS, and the retry loads it', async () => {
  const s = await startService({
    db,
    bucket,
    env: { READ_TIMEOUT_SECONDS: '0.5' },
    wrapStore: stalling(1),
  })
  services.push(s)
  await bucket.put('slow.json', JSON.stringify(sampleRecords(3)))
  const row = await waitForStatus(db, 'slow.json', 'COMPLETED')
  expect(row.attempts).toBe(2)
  expect(await countRecords(db, 'slow.json')).toBe(3)
  const failed = s.logs.lines().find((l) => l.msg === 'file failed; will retry')
  expect(failed?.error).toBe('Could not load slow.json: no data from the object for 0.5 s')
})

it('shuts down promptly during a stalled read and gives the file back', async () => {
  const s = await startService({ db, bucket, wrapStore: stalling(1) })
  await bucket.put('stuck.json', JSON.stringify(sampleRecords(3)))
  await waitForLoading(s, 'stuck.json')
  // Time to take the first bytes and wait for more, which never come.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const started = Date.now()
  await s.close()
  expect(Date.now() - started).toBeLessThan(3000)
  const row = await waitForRow(db, 'stuck.json', { attempts: 0 })
  expect(row?.status).toBe('processing')
  expect(await countRecords(db, 'stuck.json')).toBe(0)
})
