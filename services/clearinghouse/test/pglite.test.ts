import type { TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  migratedDatabase,
  openTestBucket,
  recordsOf,
  sampleRecords,
  startService,
  type TestBucket,
  type TestService,
  waitForStatus,
} from './helpers.ts'

// The embedded database `npm start` uses, whatever DATABASE_URL the other suites run against.
let db: TestDatabase
let bucket: TestBucket
let service: TestService

beforeAll(async () => {
  db = await migratedDatabase('pglite')
  bucket = await openTestBucket()
  service = await startService({ db, bucket, env: { MAX_ATTEMPTS: '1' }, batch: { records: 100 } })
})

afterAll(async () => {
  await service?.close()
  await bucket?.cleanup()
  await db?.cleanup()
})

it('runs on PGlite', () => {
  expect(db.kind).toBe('pglite')
})

it('loads an array file in batches on PGlite', async () => {
  await bucket.put('array.json', JSON.stringify(sampleRecords(450)))
  const row = await waitForStatus(db, 'array.json', 'COMPLETED')
  expect(row.record_count).toBe(450)
  expect((await recordsOf(db, 'array.json')).map((r) => r.record_data)).toEqual(sampleRecords(450))
})

it('loads a records object and a data object on PGlite', async () => {
  await bucket.put('records.json', '{"records":[{"type":"r"}],"data":[{"type":"d"}]}')
  await bucket.put('data.json', '{"data":[{"type":"d"},{"type":"e"}]}')
  await waitForStatus(db, 'records.json', 'COMPLETED')
  await waitForStatus(db, 'data.json', 'COMPLETED')
  expect((await recordsOf(db, 'records.json')).map((r) => r.record_type)).toEqual(['r'])
  expect((await recordsOf(db, 'data.json')).map((r) => r.record_type)).toEqual(['d', 'e'])
})

it('fails a bad file on PGlite and lists it in the operator API', async () => {
  await bucket.put('bad.json', '{"records": [1]}')
  await waitForStatus(db, 'bad.json', 'FAILED')
  const reply = await service.app.inject({ method: 'GET', url: '/files?status=FAILED' })
  expect(reply.json().files).toMatchObject([
    { s3_key: 'bad.json', error_message: 'Record 0 in bad.json is not an object' },
  ])
})
