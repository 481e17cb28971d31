import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import { createTestDatabase, type TestDatabase } from '../src/testing.ts'
import { migrationsDir, OPEN_TIMEOUT, serverDatabaseUrl } from './backends.ts'

describe('createTestDatabase()', () => {
  let one: TestDatabase
  let two: TestDatabase

  beforeAll(async () => {
    ;[one, two] = await Promise.all([createTestDatabase(), createTestDatabase()])
  }, OPEN_TIMEOUT)
  afterAll(() => Promise.all([one?.cleanup(), two?.cleanup()]))

  it('gives each caller a database where the others tables are invisible', async () => {
    await one.sql`create table mine (v int)`
    const [row] = await two.sql`select to_regclass('mine') as t`
    expect(row?.t).toBeNull()
  })

  it('hands out a url another client can connect to and see the same data', async () => {
    await one.sql`create table shared (v text)`
    await one.sql`insert into shared values ('from the parent')`
    const child = await connect(one.url)
    try {
      const rows = await child.sql`select v from shared`
      expect(rows.map((r) => r.v)).toEqual(['from the parent'])
    } finally {
      await child.close()
    }
  })

  it(
    'applies the migrations it is given before handing the database out',
    async () => {
      const dir = await migrationsDir({ '001_init.sql': 'create table migrated (v int);' })
      const db = await createTestDatabase({ migrations: dir })
      try {
        const [row] = await db.sql`select to_regclass('migrated') is not null as exists`
        expect(row?.exists).toBe(true)
      } finally {
        await db.cleanup()
        await rm(dir, { recursive: true })
      }
    },
    OPEN_TIMEOUT,
  )
})

describe('createTestDatabase() cleanup', () => {
  it(
    'removes the schema it created',
    async () => {
      const db = await createTestDatabase()
      const exists = await existenceProbe(db)
      expect(await exists()).toBe(true)
      await db.cleanup()
      expect(await exists()).toBe(false)
    },
    OPEN_TIMEOUT,
  )
})

/** Tells whether the test database's schema still exists. */
async function existenceProbe(db: TestDatabase): Promise<() => Promise<boolean>> {
  const [row] = await db.sql<{ schema: string }[]>`select current_schema() as schema`
  const schema = row?.schema ?? ''
  expect(schema).toMatch(/^test_[0-9a-f]{12}$/)
  return async () => {
    const admin = await connect(serverDatabaseUrl(), { max: 1 })
    try {
      const rows = await admin.sql`
        select 1 from information_schema.schemata where schema_name = ${schema}`
      return rows.length === 1
    } finally {
      await admin.close()
    }
  }
}

describe('createTestDatabase() without a server', () => {
  it('names DATABASE_URL and how npm test provides it', async () => {
    await expect(createTestDatabase({ serverUrl: 'mysql://db/app' })).rejects.toThrow(
      /needs DATABASE_URL=postgres:\/\/… \(`npm test` starts an embedded server/,
    )
  })
})
