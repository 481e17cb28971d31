import { randomUUID } from 'node:crypto'
import { CloudError, type ObjectStore } from '@ferry/cloud'
import { startTcpProxyTo } from '@ferry/db/testing'
import { describe, expect, it, vi } from 'vitest'
import {
  countRecords,
  fileRow,
  operatorHeaders,
  sampleRecords,
  serviceFixture,
  type TestService,
  waitForLoading,
  waitForRow,
  waitForStatus,
} from './helpers.ts'

const fx = serviceFixture()
const service = fx.service

async function putMany(keys: string[], body: (key: string) => string) {
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((key) => fx.bucket.put(key, body(key))))
  }
}

const loadedLines = (s: TestService) => s.logs.lines().filter((l) => l.msg === 'file loaded')

describe('listing', () => {
  it('leaves keys outside S3_PREFIX alone', async () => {
    await fx.bucket.put('other/a.json', '[{"a":1}]')
    await fx.bucket.put('wanted/b.json', '[{"a":1}]')
    await service({ env: { S3_PREFIX: 'wanted/' } })
    await waitForStatus(fx.db, 'wanted/b.json', 'COMPLETED')
    expect(await fileRow(fx.db, 'other/a.json')).toBeUndefined()
  })
})

describe('replicas', () => {
  it('two replicas on one bucket load each file exactly once', async () => {
    const keys = Array.from({ length: 24 }, (_, i) => `shared/${i}.json`)
    await putMany(keys, () => JSON.stringify(sampleRecords(200)))
    const env = { CONCURRENCY: '3' }
    const [a, b] = await Promise.all([service({ env }), service({ env })])
    for (const key of keys) await waitForStatus(fx.db, key, 'COMPLETED', 30_000)
    const loaded = [...loadedLines(a), ...loadedLines(b)].map((l) => l.key).sort()
    expect(loaded).toEqual([...keys].sort())
    const rows = await fx.db.sql<{ attempts: number; n: number }[]>`
      select l.attempts, count(d.id)::int as n from file_processing_log l
      left join processed_data d on d.file_log_id = l.id group by l.id`
    expect(rows.every((r) => r.attempts === 1 && r.n === 200)).toBe(true)
  })
})

describe('retries', () => {
  it('retries a failing file with growing delays, then leaves it FAILED', async () => {
    const env = { MAX_ATTEMPTS: '3', RETRY_BASE_SECONDS: '0.3' }
    const s = await service({ env })
    await fx.bucket.put('bad.json', '[1]')
    await waitForRow(fx.db, 'bad.json', { attempts: 3, status: 'FAILED' })
    const failures = s.logs.lines().filter((l) => l.key === 'bad.json' && l.error)
    const times = failures.map((l) => Number(l.time))
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0))
    expect(failures.map((l) => l.final)).toEqual([false, false, true])
    expect(gaps[0]).toBeGreaterThanOrEqual(300)
    expect(gaps[1]).toBeGreaterThanOrEqual(600)
    await new Promise((resolve) => setTimeout(resolve, 800))
    expect(await fileRow(fx.db, 'bad.json')).toMatchObject({ attempts: 3, next_attempt_at: null })
  })

  it('a retry request loads a file that failed for a passing reason', async () => {
    let broken = true
    const flaky = (store: ObjectStore): ObjectStore => ({
      ...store,
      name: store.name,
      get: (key, options) =>
        broken
          ? Promise.reject(new CloudError('Unavailable', 'S3 is down'))
          : store.get(key, options),
    })
    const s = await service({ env: { MAX_ATTEMPTS: '1' }, wrapStore: flaky })
    await fx.bucket.put('flaky.json', '[{"a":1}]')
    const failed = await waitForStatus(fx.db, 'flaky.json', 'FAILED')
    expect(failed.error_message).toBe('Could not load flaky.json: S3 is down')
    broken = false
    const reply = await s.app.inject({
      method: 'POST',
      url: `/files/${failed.id}/retry`,
      headers: operatorHeaders,
    })
    expect(reply.json()).toMatchObject({ status: 'pending', attempts: 0, error_message: null })
    await waitForStatus(fx.db, 'flaky.json', 'COMPLETED')
    expect(await countRecords(fx.db, 'flaky.json')).toBe(1)
  })
})

describe('database outage', () => {
  it('pauses while the database is away and finishes the interrupted file after', async () => {
    const proxy = await startTcpProxyTo(fx.db.url)
    fx.defer(() => proxy.close())
    const s = await service({ databaseUrl: proxy.via(fx.db.url), batch: { records: 500 } })
    await fx.bucket.put('big.json', JSON.stringify(sampleRecords(60_000)))
    await waitForLoading(s, 'big.json')
    await proxy.cut()
    const ready = await s.app.inject({ method: 'GET', url: '/ready' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json().checks.database).not.toBe('ok')
    await fx.bucket.put('during.json', '[{"a":1}]')
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await countRecords(fx.db, 'big.json')).toBe(0)
    await proxy.restore()
    const big = await waitForStatus(fx.db, 'big.json', 'COMPLETED', 30_000)
    await waitForStatus(fx.db, 'during.json', 'COMPLETED')
    expect(await countRecords(fx.db, 'big.json')).toBe(60_000)
    expect(big.record_count).toBe(60_000)
    expect((await s.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
  })
  it('claims again within seconds of the database coming back, not at the next poll', async () => {
    const proxy = await startTcpProxyTo(fx.db.url)
    fx.defer(() => proxy.close())
    await fx.bucket.put('before.json', JSON.stringify(sampleRecords(60_000)))
    const s = await service({
      databaseUrl: proxy.via(fx.db.url),
      batch: { records: 500 },
      env: { POLL_INTERVAL: '3600' },
    })
    await waitForLoading(s, 'before.json')
    await proxy.cut()
    await vi.waitFor(
      async () => {
        const ready = await s.app.inject({ method: 'GET', url: '/ready' })
        expect(ready.json().checks.poll).toContain('claiming files failed')
      },
      { timeout: 10_000, interval: 100 },
    )
    await proxy.restore()
    await waitForStatus(fx.db, 'before.json', 'COMPLETED', 30_000)
    expect(await countRecords(fx.db, 'before.json')).toBe(60_000)
  })
})

describe('S3 prefix keys', () => {
  it('handles keys with spaces and unicode', async () => {
    const key = `odd keys/${randomUUID()} é.json`
    await service()
    await fx.bucket.put(key, '[{"a":1}]')
    await waitForStatus(fx.db, key, 'COMPLETED')
    expect(await countRecords(fx.db, key)).toBe(1)
  })
})
