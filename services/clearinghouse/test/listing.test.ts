import type { TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { syncListing } from '../src/poll.ts'
import { migratedDatabase, openTestBucket, type TestBucket } from './helpers.ts'

let db: TestDatabase
let bucket: TestBucket

beforeAll(async () => {
  db = await migratedDatabase()
  bucket = await openTestBucket()
})

afterAll(async () => {
  await bucket?.cleanup()
  await db?.cleanup()
})

it('records each .json key of a prefix holding more than 1000 keys once', async () => {
  const keys = Array.from({ length: 1001 }, (_, i) => `many/${String(i).padStart(4, '0')}.json`)
  for (let i = 0; i < keys.length; i += 100) {
    await Promise.all(keys.slice(i, i + 100).map((key) => bucket.put(key, '[{"a":1}]')))
  }
  await bucket.put('many/zz-readme.txt', 'not json')
  const watched = { bucket: bucket.store.name, bucketSetting: bucket.setting, prefix: 'many/' }
  expect(await syncListing(db.sql, bucket.store, watched)).toEqual({ seen: 1001, pending: 1001 })
  const rows = await db.sql<
    { s3_key: string }[]
  >`select s3_key from file_processing_log order by s3_key`
  expect(rows.map((r) => r.s3_key)).toEqual(keys)
  expect(await syncListing(db.sql, bucket.store, watched)).toEqual({ seen: 1001, pending: 0 })
})
