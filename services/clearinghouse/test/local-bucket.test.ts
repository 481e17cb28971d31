/**
 * On a local bucket, any file a person copies into the directory is an object: the
 * clearinghouse loads it, and loads it again once it changes (a file caught while `cp` was still
 * writing it gets a new etag when the copy ends).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { expect, it, vi } from 'vitest'
import { fileRow, POLL, recordsOf, sampleRecords, sharedService, waitForStatus } from './helpers.ts'

const ch = sharedService({ local: true, env: { MAX_ATTEMPTS: '1' } })

/** What `cp` does: writes the file in place under the bucket directory. */
async function copyIn(key: string, body: string): Promise<void> {
  const path = join(ch.bucket.setting.slice('file://'.length), key)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, body)
}

it('loads a file copied into the bucket directory', async () => {
  await copyIn('incoming/copied.json', JSON.stringify(sampleRecords(3)))
  await waitForStatus(ch.db, 'incoming/copied.json', 'COMPLETED')
  expect(await recordsOf(ch.db, 'incoming/copied.json')).toHaveLength(3)
})

it('loads a file again, whole, once the copy that was half done when it was read ends', async () => {
  const key = 'incoming/half.json'
  const whole = JSON.stringify(sampleRecords(5))
  await copyIn(key, whole.slice(0, whole.length / 2))
  const failed = await waitForStatus(ch.db, key, 'FAILED')
  await copyIn(key, whole)
  const row = await vi.waitFor(async () => {
    const r = await fileRow(ch.db, key)
    expect(r?.status).toBe('COMPLETED')
    expect(r?.etag).not.toBe(failed.etag)
    return r
  }, POLL)
  expect(row?.record_count).toBe(5)
  expect(await recordsOf(ch.db, key)).toHaveLength(5)
})
