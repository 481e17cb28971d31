import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import { createTestDatabase, type TestDatabase } from '../src/testing.ts'
import { OPEN_TIMEOUT } from './backends.ts'

describe('pglite://<dir>', () => {
  let parent: string
  let dir: string
  let description: string

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'ferry-pglite-'))
    dir = join(parent, 'nested', 'data')
    const first = await connect(`pglite://${dir}`)
    description = first.description
    await first.sql`create table kept (v text)`
    await first.sql`insert into kept values ('survives a restart')`
    await first.close()
  }, OPEN_TIMEOUT)
  afterAll(() => rm(parent, { recursive: true, force: true }))

  it('creates the missing directory and a database in it', () => {
    expect(description).toBe(`pglite://${dir}`)
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true)
  })

  it(
    'finds the data again after close and reopen',
    async () => {
      const again = await connect(`pglite://${dir}`)
      try {
        expect(again.kind).toBe('pglite')
        const rows = await again.sql`select v from kept`
        expect(rows.map((r) => r.v)).toEqual(['survives a restart'])
      } finally {
        await again.close()
      }
    },
    OPEN_TIMEOUT,
  )

  it(
    'applies searchPath and applicationName although PGlite ignores startup parameters',
    async () => {
      const db = await connect(`pglite://${dir}`, {
        searchPath: 'elsewhere, public',
        applicationName: 'ferry-test',
      })
      try {
        const [row] = await db.sql`
        select current_setting('search_path') as path, current_setting('application_name') as app`
        expect(row).toEqual({ path: 'elsewhere, public', app: 'ferry-test' })
      } finally {
        await db.close()
      }
    },
    OPEN_TIMEOUT,
  )
})

describe('PGlite served to several clients', () => {
  let db: TestDatabase
  let other: postgres.Sql

  beforeAll(async () => {
    db = await createTestDatabase({ backend: 'pglite' })
    other = postgres(db.url, { max: 4, onnotice: () => {} })
    await db.sql`create table writes (id int primary key, origin text)`
  }, OPEN_TIMEOUT)
  afterAll(async () => {
    await other?.end({ timeout: 1 })
    await db?.cleanup()
  })

  it('gives every concurrent query its own result, even beside failing ones', async () => {
    const mismatches: number[] = []
    await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const client = i % 2 === 0 ? db.sql : other
        if (i % 3 === 0) {
          await expect(client`select 1 / ${0}::int`).rejects.toThrow(/division by zero/)
          return
        }
        const rows = await client.unsafe(`select ${i}::int as n, $1::text as label`, [`q${i}`])
        if (rows[0]?.n !== i || rows[0]?.label !== `q${i}`) mismatches.push(i)
      }),
    )
    expect(mismatches).toEqual([])
  })

  it('keeps transactions of different clients apart', async () => {
    await Promise.allSettled([
      other.begin(async (tx) => {
        await tx`insert into writes values (1, 'other, rolled back')`
        await tx`select pg_sleep(0.05)`
        throw new Error('roll back')
      }),
      db.sql.begin(async (tx) => {
        await tx`insert into writes values (2, 'own pool')`
      }),
    ])
    const rows = await db.sql`select id, origin from writes order by id`
    expect(rows).toEqual([{ id: 2, origin: 'own pool' }])
  })

  it('rolls back the transaction of a client that disconnects inside it', async () => {
    const quitter = postgres(db.url, { max: 1 })
    const abandoned = quitter.begin(async (tx) => {
      await tx`insert into writes values (3, 'abandoned')`
      await quitter.end({ timeout: 0 })
      await tx`select 1`
    })
    await expect(abandoned).rejects.toThrow()
    await db.sql`insert into writes values (4, 'after')`
    const rows = await db.sql`select id from writes where id in (3, 4)`
    expect(rows.map((r) => r.id)).toEqual([4])
  })
})
