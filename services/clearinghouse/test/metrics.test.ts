import { startTcpProxyTo } from '@ferry/db/testing'
import { sampleValue } from '@ferry/kit/testing'
import { describe, expect, it } from 'vitest'
import { sampleRecords, serviceFixture, type TestService, waitForStatus } from './helpers.ts'

const fx = serviceFixture()
const service = fx.service

/** GET /metrics, with how long it took to answer. */
async function scrape(s: TestService) {
  const began = performance.now()
  const res = await s.app.inject('/metrics')
  expect(res.statusCode).toBe(200)
  return { text: res.body, ms: performance.now() - began }
}

const files = (text: string, status: string) =>
  sampleValue(text, 'ferry_clearinghouse_files', { status })

/** One file loaded (3 records) and one failed for good; resolves once both are settled. */
async function loadOneFailOne(s: TestService) {
  await fx.bucket.put('metrics/good-7f3a.json', JSON.stringify(sampleRecords(3)))
  await fx.bucket.put('metrics/bad-7f3a.json', '[1]')
  await waitForStatus(fx.db, 'metrics/good-7f3a.json', 'COMPLETED')
  await waitForStatus(fx.db, 'metrics/bad-7f3a.json', 'FAILED')
  // The outcome is counted once the attempt has recorded it in the log.
  await expect
    .poll(async () =>
      sampleValue((await scrape(s)).text, 'ferry_clearinghouse_files_finished_total', {
        outcome: 'failed',
      }),
    )
    .toBe(1)
}

describe('the clearinghouse at /metrics', () => {
  it('counts files by status, records loaded, and each file by outcome with its duration', async () => {
    const s = await service({ env: { MAX_ATTEMPTS: '1' } })
    await loadOneFailOne(s)
    const { text } = await scrape(s)
    expect(files(text, 'COMPLETED')).toBe(1)
    expect(files(text, 'FAILED')).toBe(1)
    expect(files(text, 'pending')).toBe(0)
    expect(files(text, 'processing')).toBe(0)
    expect(sampleValue(text, 'ferry_clearinghouse_records_loaded_total')).toBe(3)
    const finished = (outcome: string) =>
      sampleValue(text, 'ferry_clearinghouse_files_finished_total', { outcome })
    expect(finished('completed')).toBe(1)
    expect(finished('failed')).toBe(1)
    // Outcomes that did not happen are there at 0, so rates over them are defined.
    expect(finished('lost')).toBe(0)
    const duration = (outcome: string) =>
      sampleValue(text, 'ferry_clearinghouse_load_duration_seconds_count', { outcome })
    expect(duration('completed')).toBe(1)
    expect(duration('failed')).toBe(1)
    // Keys, bucket names and file ids are in the log and the operator API, never in a label.
    expect(text).not.toContain('7f3a')
    expect(text).not.toContain(fx.bucket.store.name)
  })

  it('answers a scrape within its bound while the log is locked, with the last counts', async () => {
    const s = await service({ env: { MAX_ATTEMPTS: '1' } })
    await loadOneFailOne(s)
    await fx.db.sql.begin(async (tx) => {
      await tx`lock table file_processing_log in access exclusive mode`
      const { text, ms } = await scrape(s)
      expect(ms).toBeLessThan(5000)
      expect(files(text, 'COMPLETED')).toBe(1)
      expect(files(text, 'FAILED')).toBe(1)
      // The next scrape is bounded too: it waits (as long) for the count still out.
      expect((await scrape(s)).ms).toBeLessThan(5000)
    })
  })

  it('answers a scrape with the last counts while the database is unreachable', async () => {
    const proxy = await startTcpProxyTo(fx.db.url)
    fx.defer(() => proxy.close())
    const s = await service({ env: { MAX_ATTEMPTS: '1' }, databaseUrl: proxy.via(fx.db.url) })
    await loadOneFailOne(s)
    await proxy.cut()
    const { text, ms } = await scrape(s)
    expect(ms).toBeLessThan(5000)
    expect(files(text, 'COMPLETED')).toBe(1)
    await proxy.restore()
  })
})
