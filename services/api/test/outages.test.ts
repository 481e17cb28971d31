import { openObjects } from '@ferry/cloud'
import { connect, type Database } from '@ferry/db'
import {
  createTestDatabase,
  startTcpProxyTo,
  type TcpProxy,
  type TestDatabase,
} from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, MIGRATIONS, type TestApp, tokenFor } from './helpers.ts'

/** An S3 endpoint nothing listens on, tried once. */
const deadAws = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1 }

const unavailable = (dependency: string) => ({
  status: 503,
  code: 'dependency_unavailable',
  detail: `${dependency} is unavailable; retry shortly.`,
})

describe('a dependency that is down', () => {
  let target: TestDatabase
  let proxy: TcpProxy
  let proxied: Database
  let t: TestApp

  beforeAll(async () => {
    target = await createTestDatabase({ migrations: MIGRATIONS })
    proxy = await startTcpProxyTo(target.url)
    proxied = await connect(proxy.via(target.url), { max: 2 })
    t = await buildTestApp({
      drivers: 'local',
      db: { ...target, sql: proxied.sql, ping: proxied.ping },
      wrap: { store: () => openObjects('unreachable-bucket', { aws: deadAws }) },
    })
  })
  afterAll(async () => {
    await t?.close()
    await proxied?.close()
    await proxy?.close()
    await target?.cleanup()
  })

  const personal = (id: string) =>
    t.request('POST', '/users/personal', {
      token: tokenFor(id),
      body: { user_id: id, name: 'Ada', email: 'ada@example.com', date_of_birth: '1815-12-10' },
    })

  it('answers 503 with Retry-After naming the database while it is cut off, then 201', async () => {
    await proxy.cut()
    try {
      const res = await personal(`outage-db-${Date.now()}`)
      expect(res.statusCode).toBe(503)
      expect(res.headers['retry-after']).toBe('1')
      expect(res.json()).toMatchObject(unavailable('The database'))
    } finally {
      await proxy.restore()
    }
    expect((await personal(`outage-back-${Date.now()}`)).statusCode).toBe(201)
  })

  it('answers 503 with Retry-After naming the bucket when S3 cannot be reached', async () => {
    const id = `outage-s3-${Date.now()}`
    const res = await t.request('GET', `/users/${id}/s3/personal`, { token: tokenFor(id) })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    expect(res.json()).toMatchObject(unavailable('The bucket'))
  })
})
