import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../src/testing.ts'
import { OPEN_TIMEOUT } from './backends.ts'

describe('a database', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createTestDatabase()
  }, OPEN_TIMEOUT)
  afterAll(() => db?.cleanup())

  it('answers a parameterised query', async () => {
    const [row] = await db.sql<{ sum: number }[]>`select ${2}::int + ${3}::int as sum`
    expect(row?.sum).toBe(5)
  })

  it('round-trips a JSONB document unchanged', async () => {
    const doc = { id: 'a1', n: 1.5, nested: { list: [1, 'two', null], ok: true }, text: 'żółw ✓' }
    await db.sql`create table docs (id int primary key, body jsonb not null)`
    await db.sql`insert into docs values (1, ${db.sql.json(doc)})`
    const [row] = await db.sql`select body from docs where id = 1`
    expect(row?.body).toEqual(doc)
  })

  it('round-trips TEXT[] including commas, quotes and an empty array', async () => {
    await db.sql`create table tags (id int primary key, tags text[] not null)`
    await db.sql`insert into tags values (1, ${['a', 'b,c', '"q"']}), (2, ${[]})`
    const rows = await db.sql`select tags from tags order by id`
    expect(rows.map((r) => r.tags)).toEqual([['a', 'b,c', '"q"'], []])
  })

  it('returns NUMERIC(15,2) as an exact decimal string', async () => {
    await db.sql`create table amounts (v numeric(15,2) not null)`
    await db.sql`insert into amounts values ('0.10'), ('0.20'), ('1234567890123.45')`
    const [row] = await db.sql`select sum(v) as total, max(v) as biggest from amounts`
    expect(row).toEqual({ total: '1234567890123.75', biggest: '1234567890123.45' })
  })

  it('keeps what a committed transaction wrote', async () => {
    await db.sql`create table committed (v text)`
    await db.sql.begin(async (tx) => {
      await tx`insert into committed values ('a')`
      await tx`insert into committed values ('b')`
    })
    const rows = await db.sql`select v from committed order by v`
    expect(rows.map((r) => r.v)).toEqual(['a', 'b'])
  })

  it('discards everything a transaction wrote when its callback throws', async () => {
    await db.sql`create table rolled (v text)`
    const failing = db.sql.begin(async (tx) => {
      await tx`insert into rolled values ('a')`
      throw new Error('boom')
    })
    await expect(failing).rejects.toThrow('boom')
    expect(await db.sql`select v from rolled`).toHaveLength(0)
  })

  it('commits one concurrent transaction while rolling back the other', async () => {
    await db.sql`create table concurrent (v text)`
    const results = await Promise.allSettled([
      db.sql.begin(async (tx) => {
        await tx`insert into concurrent values ('kept')`
        await sleep(20)
        await tx`insert into concurrent values ('kept too')`
      }),
      db.sql.begin(async (tx) => {
        await tx`insert into concurrent values ('lost')`
        await sleep(10)
        throw new Error('roll back')
      }),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected'])
    const rows = await db.sql`select v from concurrent order by v`
    expect(rows.map((r) => r.v)).toEqual(['kept', 'kept too'])
  })

  it('serialises transactions holding the same advisory lock, so no update is lost', async () => {
    await db.sql`create table counter (n int not null)`
    await db.sql`insert into counter values (0)`
    const increment = () =>
      db.sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(4242)`
        const [row] = await tx<{ n: number }[]>`select n from counter`
        await sleep(50)
        await tx`update counter set n = ${(row?.n ?? 0) + 1}`
      })
    await Promise.all([increment(), increment(), increment()])
    const [row] = await db.sql`select n from counter`
    expect(row?.n).toBe(3)
  })

  it('pings successfully while open', async () => {
    await expect(db.ping()).resolves.toBeUndefined()
  })

  it('rejects a ping with the reason of an already aborted signal', async () => {
    const reason = new Error('shutting down')
    await expect(db.ping(AbortSignal.abort(reason))).rejects.toBe(reason)
  })

  it('describes itself with a URL of its engine', () => {
    expect(db.description).toMatch(/^postgres(ql)?:\/\//)
  })
})

describe('a database after close()', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createTestDatabase()
    await db.sql`select 1`
    await db.close()
  }, OPEN_TIMEOUT)
  afterAll(() => db?.cleanup())

  it('rejects queries', async () => {
    await expect(db.sql`select 1`).rejects.toThrow()
  })

  it('rejects pings', async () => {
    await expect(db.ping()).rejects.toThrow()
  })

  it('accepts a second close()', async () => {
    await expect(db.close()).resolves.toBeUndefined()
  })
})
