import { openObjects } from '@ferry/cloud'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startService, waitFor } from '../src/index.ts'
import { type Backend, backends } from './clearinghouse-backends.ts'
import { generatedFile, generatedRecord, loaded, loadedOnce, storedRecords } from './loaded.ts'

/** Records in the file: enough that loading it takes a few seconds on each backend. */
const RECORDS = { embedded: 80_000, server: 150_000 }

// A short lease so the restarted process may take over the dead one's claim within seconds.
const ENV = { POLL_INTERVAL: '0.5', LEASE_SECONDS: '3', LOG_LEVEL: 'info' }
const KEY = 'incoming/big.json'

/** The pino lines of a service's output that are about `key`. */
function logsOf(service: Running, key: string): { msg?: string; attempt?: number }[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; key?: string; attempt?: number })
    .filter((entry) => entry.key === key)
}

describe.each(backends)('clearinghouse killed mid-file (%s)', (_, open) => {
  let backend: Backend
  let service: Running | undefined
  beforeAll(async () => {
    backend = await open()
    const store = openObjects(backend.bucket, { aws: backend.aws })
    await store.put(KEY, generatedFile(RECORDS[backend.kind]), { contentType: 'application/json' })
    await store.close()
  })
  afterAll(async () => {
    await service?.kill()
    await backend.cleanup()
  })

  it('a SIGKILL mid-file commits none of its records; restarted, it stores every record exactly once', async () => {
    const n = RECORDS[backend.kind]
    const first = await startService('clearinghouse', { ...backend.env, ...ENV })
    service = first
    await waitFor('the load to start', async () =>
      logsOf(first, KEY).some((e) => e.msg === 'loading file'),
    )
    await new Promise((r) => setTimeout(r, 500))
    await first.kill()
    expect(logsOf(first, KEY).map((e) => e.msg)).toEqual(['loading file'])
    // Mid-file: claimed (attempt 1, still processing), and not one record of it committed.
    expect(await backend.inspect((sql) => loaded(sql, KEY))).toMatchObject({
      status: 'processing',
      attempts: 1,
      rows: 0,
    })

    const second = await startService('clearinghouse', { ...backend.env, ...ENV })
    service = second
    await waitFor(
      'the file to complete after the restart',
      async () => logsOf(second, KEY).some((e) => e.msg === 'file loaded'),
      50_000,
    )
    expect(logsOf(second, KEY)).toMatchObject([
      { msg: 'loading file', attempt: 2 },
      { msg: 'file loaded' },
    ])
    expect(await second.stop()).toBe(0)
    service = undefined

    const ids = [0, 1, Math.floor(n / 2), n - 1]
    const [summary, sample] = await backend.inspect(async (sql) => [
      await loaded(sql, KEY),
      await storedRecords(sql, KEY, ids),
    ])
    expect(summary).toEqual({ ...loadedOnce(n), attempts: 2 })
    expect(sample).toEqual(ids.map((id) => generatedRecord(id)))
  })
})
