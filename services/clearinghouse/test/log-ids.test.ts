import type { TestDatabase } from '@ferry/db/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { syncListing } from '../src/poll.ts'
import {
  migratedDatabase,
  openTestBucket,
  operatorHeaders,
  POLL,
  startService,
  type TestBucket,
  type TestService,
  waitForStatus,
} from './helpers.ts'

let db: TestDatabase
let bucket: TestBucket
const services: TestService[] = []

beforeEach(async () => {
  db = await migratedDatabase()
  bucket = await openTestBucket()
})

afterEach(async () => {
  for (const s of services.splice(0)) await s.close()
  await bucket.cleanup()
  await db.cleanup()
})

async function service() {
  const started = await startService({ db, bucket })
  services.push(started)
  return started
}

const SEQUENCE = "pg_get_serial_sequence('file_processing_log', 'id')"

async function lastId(): Promise<number | null> {
  const [row] = await db.sql<{ n: string | null }[]>`
    select pg_sequence_last_value(${db.sql.unsafe(SEQUENCE)}::regclass) as n`
  return row?.n === null || row?.n === undefined ? null : Number(row.n)
}

describe('file ids', () => {
  it('go past 2^31 and the file still loads', async () => {
    await db.sql`select setval(${db.sql.unsafe(SEQUENCE)}, 2147483647)`
    const s = await service()
    await bucket.put('late.json', '[{"a":1},{"a":2}]')
    const row = await waitForStatus(db, 'late.json', 'COMPLETED')
    expect(String(row.id)).toBe('2147483648')
    const reply = await s.app.inject({
      method: 'GET',
      url: '/files/2147483648',
      headers: operatorHeaders,
    })
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toMatchObject({ id: 2147483648, record_count: 2 })
  })

  it('are not drawn for keys a poll sees unchanged', async () => {
    for (const key of ['a.json', 'b.json', 'c.json']) await bucket.put(key, '[{"a":1}]')
    const watched = { bucket: bucket.store.name, bucketSetting: bucket.setting, prefix: '' }
    expect(await syncListing(db.sql, bucket.store, watched)).toEqual({ seen: 3, pending: 3 })
    for (let i = 0; i < 5; i++) {
      expect(await syncListing(db.sql, bucket.store, watched)).toEqual({ seen: 3, pending: 0 })
    }
    expect(await lastId()).toBe(3)
    await bucket.put('b.json', '[{"a":2}]')
    expect(await syncListing(db.sql, bucket.store, watched)).toEqual({ seen: 3, pending: 1 })
    expect(await lastId()).toBe(3)
    await bucket.put('d.json', '[{"a":1}]')
    expect(await syncListing(db.sql, bucket.store, watched)).toEqual({ seen: 4, pending: 1 })
    expect(await lastId()).toBe(4)
  })
})

describe('a failing poll', () => {
  it('makes /ready answer 503 naming the poll, logs it, and clears when it passes', async () => {
    await bucket.put('first.json', '[{"a":1}]')
    const s = await service()
    await waitForStatus(db, 'first.json', 'COMPLETED')
    // No id left: every poll that sees a new key now fails while the database answers.
    const [seq] = await db.sql<{ name: string }[]>`select ${db.sql.unsafe(SEQUENCE)} as name`
    await db.sql.unsafe(`select setval('${seq?.name}', 2); alter sequence ${seq?.name} maxvalue 2`)
    await bucket.put('second.json', '[{"a":1}]')
    const ready = await vi.waitFor(async () => {
      const reply = await s.app.inject({ method: 'GET', url: '/ready' })
      expect(reply.statusCode).toBe(503)
      return reply
    }, POLL)
    expect(ready.json().checks).toMatchObject({ database: 'ok', bucket: 'ok' })
    expect(ready.json().checks.poll).toMatch(
      /^listing the bucket failed (once|\d+ times in a row) since .*: .*maximum value of sequence/,
    )
    expect(
      s.logs.lines().some((l) => l.level === 50 && String(l.msg).startsWith('poll failed')),
    ).toBe(true)
    await db.sql.unsafe(`alter sequence ${seq?.name} no maxvalue`)
    await waitForStatus(db, 'second.json', 'COMPLETED')
    await expect
      .poll(async () => (await s.app.inject({ method: 'GET', url: '/ready' })).statusCode)
      .toBe(200)
  })
})
