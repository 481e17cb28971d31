import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { TestDatabase } from '@ferry/db/testing'
import { afterEach, beforeEach, expect, it } from 'vitest'
import {
  countRecords,
  migratedDatabase,
  openTestBucket,
  startService,
  type TestBucket,
  waitForStatus,
} from './helpers.ts'

const MiB = 1024 * 1024
let db: TestDatabase
let bucket: TestBucket

beforeEach(async () => {
  db = await migratedDatabase()
  bucket = await openTestBucket({ local: true })
})

afterEach(async () => {
  await bucket.cleanup()
  await db.cleanup()
})

/** `{"records":[{"id":0},{"blob":"x…"},{"id":2}]}` with a blob of `mb` MiB, streamed to disk. */
function* fileWithBigRecord(mb: number): Generator<string> {
  yield '{"records":[{"id":0},{"blob":"'
  const block = 'x'.repeat(MiB)
  for (let i = 0; i < mb; i++) yield block
  yield '"},{"id":2}]}'
}

function loadInChild(limit: number): Promise<{ outcome: string; growthMb: number }> {
  const script = join(import.meta.dirname, 'record-limit-child.ts')
  return new Promise((resolve, reject) => {
    // A small young generation, so garbage does not blur the measure.
    const args = ['--max-semi-space-size=1', script, bucket.setting, db.url, String(limit)]
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited with ${code}`)),
    )
  })
}

it('fails a file whose record passes MAX_RECORD_BYTES without holding the record', async () => {
  await bucket.store.put('big.json', Readable.from(fileWithBigRecord(50)))
  const { outcome, growthMb } = await loadInChild(MiB)
  expect(outcome).toBe('Record 1 in big.json is larger than MAX_RECORD_BYTES (1048576 bytes)')
  // The 50 MiB record alone would take 50 MiB at least (the old splitter held ≈ 200 MiB).
  expect(growthMb).toBeLessThan(20)
})

it('marks the file FAILED with the record and the limit, and stores nothing', async () => {
  const service = await startService({ db, bucket, env: { MAX_RECORD_BYTES: '1000' } })
  try {
    await bucket.put('wide.json', `[{"a":1},{"b":"${'y'.repeat(2000)}"}]`)
    const row = await waitForStatus(db, 'wide.json', 'FAILED')
    expect(row.error_message).toBe(
      'Record 1 in wide.json is larger than MAX_RECORD_BYTES (1000 bytes)',
    )
    expect(await countRecords(db, 'wide.json')).toBe(0)
  } finally {
    await service.close()
  }
})
