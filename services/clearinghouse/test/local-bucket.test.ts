/**
 * On a local bucket, any file a person copies into the directory is an object: the
 * clearinghouse loads it, and loads it again once it changes (a file caught while `cp` was still
 * writing it gets a new etag when the copy ends).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import {
  fileRow,
  migratedDatabase,
  openTestBucket,
  POLL,
  recordsOf,
  sampleRecords,
  startService,
  type TestBucket,
  type TestService,
  waitForStatus,
} from './helpers.ts'

let db: TestDatabase
let bucket: TestBucket
let service: TestService

beforeAll(async () => {
  db = await migratedDatabase()
  bucket = await openTestBucket({ local: true })
  service = await startService({ db, bucket, env: { MAX_ATTEMPTS: '1' } })
})

afterAll(async () => {
  await service?.close()
  await bucket?.cleanup()
  await db?.cleanup()
})

/** What `cp` does: writes the file in place under the bucket directory. */
async function copyIn(key: string, body: string): Promise<void> {
  const path = join(bucket.setting.slice('file://'.length), key)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, body)
}

it('loads a file copied into the bucket directory', async () => {
  await copyIn('incoming/copied.json', JSON.stringify(sampleRecords(3)))
  await waitForStatus(db, 'incoming/copied.json', 'COMPLETED')
  expect(await recordsOf(db, 'incoming/copied.json')).toHaveLength(3)
})

it('loads a file again, whole, once the copy that was half done when it was read ends', async () => {
  const key = 'incoming/half.json'
  const whole = JSON.stringify(sampleRecords(5))
  await copyIn(key, whole.slice(0, whole.length / 2))
  const failed = await waitForStatus(db, key, 'FAILED')
  await copyIn(key, whole)
  const row = await vi.waitFor(async () => {
    const r = await fileRow(db, key)
    expect(r?.status).toBe('COMPLETED')
    expect(r?.etag).not.toBe(failed.etag)
    return r
  }, POLL)
  expect(row?.record_count).toBe(5)
  expect(await recordsOf(db, key)).toHaveLength(5)
})
