import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openObjects, subscribeLocalQueue } from '@ferry/cloud'
import {
  createTestDatabase,
  startTcpProxyTo,
  type TcpProxy,
  type TestDatabase,
} from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startService, waitFor } from '../src/index.ts'
import { OPERATOR_TOKEN, operatorHeaders } from './clearinghouse-backends.ts'
import { JWT_SECRET, jwt } from './jwt.ts'
import { generatedFile, loaded, loadedOnce } from './loaded.ts'

const FILES = ['a', 'b', 'c', 'd'].map((name) => `batch/${name}.json`)
// Enough that loads are still running when the database goes away, half a second in.
const RECORDS = 100_000
const CUT_MS = 3000
const ADMIN = jwt({ sub: 'e2e-admin', roles: ['admin'] })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The keys of the clearinghouse's "loading file" log lines, one per attempt started. */
function loadsStarted(service: Running): string[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; key?: string })
    .filter((entry) => entry.msg === 'loading file' && entry.key !== undefined)
    .map((entry) => entry.key as string)
}

interface Write {
  user_id: string
  /** 0 when the request itself failed (connection dropped, no answer within 15 s). */
  status: number
  retry_after: string | null
}

function postPersonal(api: Running, userId: string): Promise<Write> {
  return fetch(`${api.url}/users/personal`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId, name: `name ${userId}`, email: `${userId}@e.test` }),
    signal: AbortSignal.timeout(15_000),
  }).then(
    (res) => ({ user_id: userId, status: res.status, retry_after: res.headers.get('retry-after') }),
    () => ({ user_id: userId, status: 0, retry_after: null }),
  )
}

/** `clients` loops of POST /users/personal, each with new user ids, until `stop()`. */
function writeLoad(api: Running, clients: number) {
  const writes: Write[] = []
  let writing = true
  const loop = async (client: number) => {
    for (let i = 0; writing; i++) {
      const write = await postPersonal(api, `w${client}-${i}`)
      writes.push(write)
      if (write.status !== 201) await sleep(50)
    }
  }
  const loops = Array.from({ length: clients }, (_, c) => loop(c))
  return {
    writes,
    async stop() {
      writing = false
      await Promise.all(loops)
    },
  }
}

describe('PostgreSQL unreachable under load (clearinghouse and api)', () => {
  let dir: string
  let chDb: TestDatabase
  let apiDb: TestDatabase
  let proxy: TcpProxy
  let clearinghouse: Running
  let api: Running

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-db-outage-'))
    chDb = await createTestDatabase()
    apiDb = await createTestDatabase()
    // Both services reach 127.0.0.1:5432 only through the proxy; the test's own pools do not.
    proxy = await startTcpProxyTo(chDb.url)
    const events = `file://${join(dir, 'events')}?maxReceiveCount=5`
    await subscribeLocalQueue(join(dir, 'topic'), events)
    clearinghouse = await startService('clearinghouse', {
      S3_BUCKET: `file://${join(dir, 'raw')}`,
      DATABASE_URL: proxy.via(chDb.url),
      POLL_INTERVAL: '0.5',
      LOG_LEVEL: 'info',
      OPERATOR_TOKEN,
    })
    api = await startService('api', {
      DATABASE_URL: proxy.via(apiDb.url),
      JWT_SECRET,
      S3_BUCKET_NAME: `file://${join(dir, 'documents')}`,
      SNS_TOPIC_ARN: `file://${join(dir, 'topic')}`,
      SQS_QUEUE_URL: events,
      FILES_BUCKET: `file://${join(dir, 'files')}`,
      PUBLIC_URL: 'http://127.0.0.1',
      PRESIGN_SECRET: 'e2e-presign-secret-0123456789abcdef',
    })
  })
  afterAll(async () => {
    await proxy.restore()
    expect(await api.stop()).toBe(0)
    expect(await clearinghouse.stop()).toBe(0)
    await proxy.close()
    await chDb.cleanup()
    await apiDb.cleanup()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers 503 while the database is away, recovers by itself, and loses or duplicates nothing', async () => {
    const store = openObjects(`file://${join(dir, 'raw')}`)
    for (const [i, key] of FILES.entries()) {
      await store.put(key, generatedFile(RECORDS, `type-${i}`), { contentType: 'application/json' })
    }
    await store.close()
    const load = writeLoad(api, 4)
    await waitFor('a load to start', async () => loadsStarted(clearinghouse).length > 0)
    await sleep(500)

    await proxy.cut()
    const cutAt = Date.now()
    await sleep(1000)
    const [apiReady, chReady, chStats] = await Promise.all([
      fetch(`${api.url}/ready`),
      fetch(`${clearinghouse.url}/ready`),
      fetch(`${clearinghouse.url}/stats`, { headers: operatorHeaders }),
    ])
    await sleep(cutAt + CUT_MS - Date.now())
    await proxy.restore()
    const restoredAt = load.writes.length
    await sleep(3000)
    await load.stop()

    expect(apiReady.status).toBe(503)
    const readiness = (await apiReady.json()) as { checks: Record<string, string> }
    expect(readiness.checks.database).not.toBe('ok')
    expect(chReady.status).toBe(503)
    expect(chStats.status).toBe(503)
    const { writes } = load
    expect([...new Set(writes.map((w) => w.status))].sort()).toEqual([201, 503])
    expect(writes.filter((w) => w.status === 503 && w.retry_after === null)).toEqual([])
    // Recovered without a restart: the same process answers 201 again.
    expect(api.process.exitCode).toBeNull()
    expect(writes.slice(restoredAt).filter((w) => w.status === 201).length).toBeGreaterThan(10)
    expect(writes.slice(-4).map((w) => w.status)).toEqual([201, 201, 201, 201])

    const stored = async () => {
      const rows = await apiDb.sql<{ user_id: string; name: string }[]>`
        select user_id, name from users_personal`
      for (const row of rows) expect(row.name).toBe(`name ${row.user_id}`)
      return rows.map((r) => r.user_id)
    }
    const accepted = writes.filter((w) => w.status === 201).map((w) => w.user_id)
    const before = new Set(await stored())
    expect(accepted.filter((id) => !before.has(id))).toEqual([])
    // A client retries what got 503: the write landed before the connection dropped (409) or
    // lands now (201), and either way once.
    for (const w of writes.filter((w) => w.status === 503)) {
      expect([201, 409]).toContain((await postPersonal(api, w.user_id)).status)
    }
    expect((await stored()).sort()).toEqual(writes.map((w) => w.user_id).sort())

    await waitFor(
      'every file to complete',
      async () => {
        const done = await chDb.sql`select 1 from file_processing_log where status = 'COMPLETED'`
        return done.length === FILES.length
      },
      50_000,
    )
    // The outage interrupted a load, which started over once the database was back.
    const started = loadsStarted(clearinghouse)
    expect(FILES.some((key) => started.filter((k) => k === key).length > 1)).toBe(true)
    for (const key of FILES) {
      expect(await loaded(chDb.sql, key)).toEqual({ ...loadedOnce(RECORDS), attempts: 1 })
    }
  })
})
