import { connect, migrate } from '@ferry/db'
import { createTestDatabase, type TestDatabase } from '@ferry/db/testing'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { MIGRATIONS_DIR } from '../src/migrations.ts'

let db: TestDatabase

beforeEach(async () => {
  db = await createTestDatabase()
})

afterEach(async () => {
  await db.cleanup()
})

async function tables(): Promise<string[]> {
  const rows = await db.sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() order by table_name`
  return rows.map((r) => r.name)
}

it('creates the log and the records tables', async () => {
  await migrate(db.sql, MIGRATIONS_DIR)
  expect(await tables()).toEqual(['file_processing_log', 'processed_data', 'schema_migrations'])
})

it('applies nothing the second time', async () => {
  await migrate(db.sql, MIGRATIONS_DIR)
  expect(await migrate(db.sql, MIGRATIONS_DIR)).toEqual({ applied: [] })
})

it('applies each migration once when replicas start together', async () => {
  const replicas = await Promise.all([connect(db.url), connect(db.url), connect(db.url)])
  try {
    const results = await Promise.all(replicas.map((r) => migrate(r.sql, MIGRATIONS_DIR)))
    expect(results.flatMap((r) => r.applied)).toEqual(['001_init.sql', '002_bigint_ids.sql'])
  } finally {
    await Promise.all(replicas.map((r) => r.close()))
  }
  expect(await tables()).toEqual(['file_processing_log', 'processed_data', 'schema_migrations'])
})

it('keeps updated_at current on every change', async () => {
  await migrate(db.sql, MIGRATIONS_DIR)
  const [row] = await db.sql<{ id: number; updated_at: Date }[]>`
    insert into file_processing_log (file_name, file_path, s3_bucket, s3_key)
    values ('a.json', 's3://b/a.json', 'b', 'a.json') returning id, updated_at`
  await new Promise((resolve) => setTimeout(resolve, 20))
  const [after] = await db.sql<{ updated_at: Date }[]>`
    update file_processing_log set status = 'processing' where id = ${row?.id ?? 0}
    returning updated_at`
  expect(after?.updated_at.getTime()).toBeGreaterThan(row?.updated_at.getTime() ?? 0)
})

it('deletes a file’s records with its log row', async () => {
  await migrate(db.sql, MIGRATIONS_DIR)
  const [row] = await db.sql<{ id: number }[]>`
    insert into file_processing_log (file_name, file_path, s3_bucket, s3_key)
    values ('a.json', 's3://b/a.json', 'b', 'a.json') returning id`
  await db.sql`
    insert into processed_data (file_log_id, record_type, record_data)
    values (${row?.id ?? 0}, 'x', '{}')`
  await db.sql`delete from file_processing_log`
  const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from processed_data`
  expect(count?.n).toBe(0)
})
