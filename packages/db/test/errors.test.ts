import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import type { Database } from '../src/database.ts'
import { DbError, fromDbError, isTransientDbError } from '../src/errors.ts'
import { migrate } from '../src/migrate.ts'
import { freePort } from '../src/testing.ts'
import { migrationsDir, proxiedDatabase } from './backends.ts'

const transient = { name: 'DbError', transient: true, dependency: 'the database' }

describe('a server that is not there', () => {
  let db: Database
  beforeAll(async () => {
    db = await connect(`postgres://postgres@127.0.0.1:${await freePort()}/test`)
  })
  afterAll(() => db?.close())

  it('fails ping with a transient DbError', async () => {
    const error = await db.ping().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DbError)
    expect(error).toMatchObject({ ...transient, code: 'ECONNREFUSED' })
  })

  it('fails migrate with a transient DbError, not a MigrationError', async () => {
    const dir = await migrationsDir({ '001_init.sql': 'create table t (id int)' })
    await expect(migrate(db.sql, dir)).rejects.toMatchObject(transient)
  })
})

describe('a server that goes away or ends the session', () => {
  const proxied = proxiedDatabase(2)
  beforeAll(async () => {
    await proxied.db.sql`create table items (id int primary key)`
  })

  it('makes a query fail with an error fromDbError calls transient while it is cut off', async () => {
    await proxied.db.sql`select 1`
    await proxied.proxy.cut()
    try {
      const error = await proxied.db.sql`select 1`.catch((e: unknown) => e)
      expect(isTransientDbError(error)).toBe(true)
      expect(fromDbError(error)).toMatchObject({ ...transient, cause: error })
      await expect(proxied.db.ping()).rejects.toMatchObject(transient)
    } finally {
      await proxied.proxy.restore()
    }
    await expect(proxied.db.ping()).resolves.toBeUndefined()
  })

  it('calls a query whose session the server terminates transient', async () => {
    const direct = await connect(proxied.target.url, { max: 1 })
    const sleeping = direct.sql`select pg_sleep(30)`.catch((e: unknown) => e)
    await expect
      .poll(async () => {
        const [row] = await proxied.target.sql<{ n: number }[]>`
          select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()`
        return row?.n
      })
      .toBe(1)
    const error = await sleeping
    await direct.close()
    // postgres.js reports the dropped socket (CONNECTION_CLOSED) rather than the server's 57P01.
    expect(fromDbError(error)).toMatchObject({ ...transient, cause: error })
  })

  it('leaves a constraint violation as postgres.js threw it', async () => {
    await proxied.db.sql`insert into items values (1)`
    const error = await proxied.db.sql`insert into items values (1)`.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: '23505' })
    expect(isTransientDbError(error)).toBe(false)
    expect(fromDbError(error)).toBe(error)
  })
})

describe('isTransientDbError', () => {
  it.each([
    ['postgres.js lost the connection', { code: 'CONNECTION_CLOSED' }],
    ['postgres.js timed out connecting', { code: 'CONNECT_TIMEOUT' }],
    ['the server is shutting down (57P01)', { code: '57P01' }],
    ['the server is starting up (57P03)', { code: '57P03' }],
    ['too many connections (53300)', { code: '53300' }],
    ['a connection exception (08006)', { code: '08006' }],
    ['an error caused by a reset', { cause: { code: 'ECONNRESET' } }],
  ])('is true when %s', (_, fields) => {
    expect(isTransientDbError(Object.assign(new Error('down'), fields))).toBe(true)
  })

  it.each([
    ['a syntax error (42601)', { code: '42601' }],
    ['a serialization failure the caller retries itself (40001)', { code: '40001' }],
    ['no code', {}],
  ])('is false for %s', (_, fields) => {
    expect(isTransientDbError(Object.assign(new Error('no'), fields))).toBe(false)
  })

  it("leaves another driver's error alone, whatever caused it", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const cloud = Object.assign(new Error('GetObject a.json', { cause: refused }), {
      transient: true,
      dependency: 'the bucket',
    })
    expect(isTransientDbError(cloud)).toBe(false)
    expect(fromDbError(cloud)).toBe(cloud)
  })
})
