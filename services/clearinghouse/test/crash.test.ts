import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { freePort, type TestDatabase } from '@ferry/db/testing'
import { afterEach, beforeEach, expect, it } from 'vitest'
import {
  countRecords,
  fileRow,
  migratedDatabase,
  OPERATOR_TOKEN,
  openTestBucket,
  sampleRecords,
  startService,
  type TestBucket,
  waitForLoading,
  waitForStatus,
} from './helpers.ts'

const RECORDS = 120_000
let db: TestDatabase
let bucket: TestBucket
let child: ChildProcess | undefined

beforeEach(async () => {
  db = await migratedDatabase()
  bucket = await openTestBucket()
  await bucket.put('big.json', JSON.stringify({ records: sampleRecords(RECORDS) }))
})

afterEach(async () => {
  child?.kill('SIGKILL')
  await bucket.cleanup()
  await db.cleanup()
})

/** The service as its own process, as `npm start` or ECS runs it. */
async function spawnService(env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['src/main.ts'], {
    cwd: join(import.meta.dirname, '..'),
    env: {
      ...process.env,
      ...bucket.env,
      S3_BUCKET: bucket.setting,
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      POLL_INTERVAL: '0.1',
      LOG_LEVEL: 'info',
      OPERATOR_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  return proc
}

/** Resolves when the child logs that it started loading `key`. */
function loadingStarted(proc: ChildProcess, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout ?? Readable.from([]) })
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; key?: string }
      if (entry.msg === 'loading file' && entry.key === key) resolve()
    })
    proc.once('exit', (code) => reject(new Error(`service exited with ${code}`)))
  })
}

it('a process killed mid-file leaves no records, and the file loads once its lease expires', async () => {
  child = await spawnService({ LEASE_SECONDS: '1.5' })
  await loadingStarted(child, 'big.json')
  await new Promise((resolve) => setTimeout(resolve, 300))
  child.kill('SIGKILL')
  await new Promise((resolve) => child?.once('exit', resolve))
  expect(await fileRow(db, 'big.json')).toMatchObject({ status: 'processing', attempts: 1 })
  expect(await countRecords(db, 'big.json')).toBe(0)

  const restarted = await startService({ db, bucket, env: { LEASE_SECONDS: '1.5' } })
  try {
    const row = await waitForStatus(db, 'big.json', 'COMPLETED', 30_000)
    expect(row).toMatchObject({ attempts: 2, record_count: RECORDS })
    expect(await countRecords(db, 'big.json')).toBe(RECORDS)
  } finally {
    await restarted.close()
  }
})

it('a service shut down mid-file rolls it back and gives it up for another to load', async () => {
  const first = await startService({ db, bucket, batch: { records: 1000 } })
  await waitForLoading(first, 'big.json')
  await first.close()
  const released = await fileRow(db, 'big.json')
  expect(released).toMatchObject({ status: 'processing', attempts: 0 })
  expect(await countRecords(db, 'big.json')).toBe(0)

  const second = await startService({ db, bucket })
  try {
    await waitForStatus(db, 'big.json', 'COMPLETED', 30_000)
    expect(await countRecords(db, 'big.json')).toBe(RECORDS)
  } finally {
    await second.close()
  }
})
