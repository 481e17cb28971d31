import { Readable, Transform } from 'node:stream'
import type { ObjectStore } from '@ferry/cloud'
import type { EmbeddedPostgres } from '@ferry/db/embedded'
import { startTestPostgres, type TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import {
  fileRow,
  migratedDatabase,
  openTestBucket,
  operatorHeaders,
  recordsOf,
  sampleRecords,
  startService,
  type TestBucket,
  type TestService,
  waitForStatus,
} from './helpers.ts'

// The embedded default `npm start` runs (a PostgreSQL server of its own and a local bucket),
// whatever DATABASE_URL and AWS_ENDPOINT_URL the other suites run against.
let server: EmbeddedPostgres
let db: TestDatabase
let bucket: TestBucket
let service: TestService

/** Reads of `slow.json` trickle out in 64 KiB chunks, 100 ms apart: a load of several seconds. */
const trickle = (store: ObjectStore): ObjectStore => ({
  ...store,
  name: store.name,
  async get(key, options) {
    const result = await store.get(key, options)
    if (key !== 'slow.json') return result
    const slow = new Transform({
      highWaterMark: 1,
      transform(chunk, _encoding, done) {
        setTimeout(() => done(null, chunk), 100)
      },
    })
    return { ...result, body: Readable.from(result.body.pipe(slow)) }
  },
})

beforeAll(async () => {
  server = await startTestPostgres()
  db = await migratedDatabase(server.url())
  bucket = await openTestBucket({ local: true })
  service = await startService({
    db,
    bucket,
    env: { MAX_ATTEMPTS: '1', LEASE_SECONDS: '1.5' },
    batch: { records: 500 },
    wrapStore: trickle,
  })
}, 60_000)

afterAll(async () => {
  await service?.close()
  await bucket?.cleanup()
  await db?.cleanup()
  await server?.stop()
})

it('loads an array file in batches', async () => {
  await bucket.put('array.json', JSON.stringify(sampleRecords(450)))
  const row = await waitForStatus(db, 'array.json', 'COMPLETED')
  expect(row.record_count).toBe(450)
  expect((await recordsOf(db, 'array.json')).map((r) => r.record_data)).toEqual(sampleRecords(450))
})

it('fails a bad file and lists it in the operator API', async () => {
  await bucket.put('bad.json', '{"records": [1]}')
  await waitForStatus(db, 'bad.json', 'FAILED')
  const reply = await service.app.inject({
    method: 'GET',
    url: '/files?status=FAILED',
    headers: operatorHeaders,
  })
  expect(reply.json().files).toMatchObject([
    { s3_key: 'bad.json', error_message: 'Record 0 in bad.json is not an object' },
  ])
})

it('renews its lease while a load takes longer than the lease, and completes on the first attempt', async () => {
  const records = sampleRecords(40_000)
  await bucket.put('slow.json', JSON.stringify(records))
  const leases = new Set<number>()
  const row = await vi.waitFor(
    async () => {
      const [r] = await db.sql<{ status: string; lease: Date | null; attempts: number }[]>`
        select status, lease_expires_at as lease, attempts from file_processing_log
        where s3_key = 'slow.json'`
      if (r?.status === 'processing' && r.lease) leases.add(r.lease.getTime())
      expect(r?.status).toMatch(/^(COMPLETED|FAILED)$/)
      return r
    },
    { timeout: 60_000 },
  )
  // The load outlived its 1.5 s lease several times over: every renewal (each 0.5 s) moved the
  // expiry on while the load's own transaction was open on another connection.
  expect(leases.size).toBeGreaterThanOrEqual(4)
  expect(row).toMatchObject({ status: 'COMPLETED', attempts: 1 })
  expect((await fileRow(db, 'slow.json'))?.record_count).toBe(40_000)
}, 90_000)
