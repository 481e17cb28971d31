import { createHash } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import { MigrationError, migrate } from '../src/migrate.ts'
import { createTestDatabase, type TestDatabase } from '../src/testing.ts'
import { migrationsDir, OPEN_TIMEOUT } from './backends.ts'

const dirs: string[] = []

/** A migrations directory removed after the file's tests. */
async function files(contents: Record<string, string>): Promise<string> {
  const dir = await migrationsDir(contents)
  dirs.push(dir)
  return dir
}

afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

describe('migrate()', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createTestDatabase()
  }, OPEN_TIMEOUT)
  afterAll(() => db?.cleanup())

  it('applies pending files in the order of their numeric prefix', async () => {
    const dir = await files({
      '10_third.sql': `insert into ordered (step) values ('third');`,
      '2_second.sql': `insert into ordered (step) values ('second');`,
      '001_first.sql': `create table ordered (id serial primary key, step text);`,
      'notes.txt': 'not a migration',
    })
    const result = await migrate(db.sql, dir, { table: 'm_order' })
    expect(result.applied).toEqual(['001_first.sql', '2_second.sql', '10_third.sql'])
    const rows = await db.sql`select step from ordered order by id`
    expect(rows.map((r) => r.step)).toEqual(['second', 'third'])
  })

  it('records each applied file with its SHA-256 in schema_migrations by default', async () => {
    const sql = 'create table recorded (id int);'
    const dir = await files({ '001_recorded.sql': sql })
    await migrate(db.sql, dir)
    const rows = await db.sql`select name, checksum, applied_at from schema_migrations`
    expect(rows).toEqual([
      {
        name: '001_recorded.sql',
        checksum: createHash('sha256').update(sql).digest('hex'),
        applied_at: expect.any(Date),
      },
    ])
  })

  it('applies nothing and runs nothing again on a second run', async () => {
    const dir = await files({
      '001_once.sql': `create table once (v int); insert into once values (1);`,
    })
    await migrate(db.sql, dir, { table: 'm_once' })
    const second = await migrate(db.sql, dir, { table: 'm_once' })
    expect(second.applied).toEqual([])
    expect(await db.sql`select v from once`).toHaveLength(1)
  })

  it('applies only the files added since the last run', async () => {
    const dir = await files({ '001_base.sql': 'create table grown (v int);' })
    await migrate(db.sql, dir, { table: 'm_grow' })
    await writeFile(join(dir, '002_more.sql'), 'insert into grown values (2);')
    const result = await migrate(db.sql, dir, { table: 'm_grow' })
    expect(result.applied).toEqual(['002_more.sql'])
  })

  it('refuses an applied file whose content changed, naming it, and applies nothing', async () => {
    const dir = await files({ '001_edited.sql': 'create table edited (v int);' })
    await migrate(db.sql, dir, { table: 'm_edit' })
    await writeFile(join(dir, '001_edited.sql'), 'create table edited (v bigint);')
    await writeFile(join(dir, '002_new.sql'), 'create table after_edit (v int);')
    const run = migrate(db.sql, dir, { table: 'm_edit' })
    await expect(run).rejects.toThrow(MigrationError)
    await expect(run).rejects.toMatchObject({ file: '001_edited.sql' })
    await expect(run).rejects.toThrow(/001_edited\.sql/)
    const [row] = await db.sql`select to_regclass('after_edit') as t`
    expect(row?.t).toBeNull()
  })

  it('rolls back every file of a run when one fails, naming the failing file', async () => {
    const dir = await files({
      '001_fine.sql': 'create table fine (v int);',
      '002_broken.sql': 'create tabel broken (v int);',
    })
    const run = migrate(db.sql, dir, { table: 'm_broken' })
    await expect(run).rejects.toThrow(/002_broken\.sql/)
    await expect(run).rejects.toMatchObject({ name: 'MigrationError', file: '002_broken.sql' })
    const [row] = await db.sql`select to_regclass('fine') as t, to_regclass('m_broken') as m`
    expect(row).toEqual({ t: null, m: null })
  })

  it('applies each file exactly once when two runs start together', async () => {
    const dir = await files({
      '001_log.sql': 'create table run_log (v text); select pg_sleep(0.2);',
      '002_entry.sql': `insert into run_log values ('applied');`,
    })
    // Two independent pools, as two replicas have.
    const [first, second] = [await connect(db.url), await connect(db.url)]
    const results = await Promise.all([
      migrate(first.sql, dir, { table: 'm_race' }),
      migrate(second.sql, dir, { table: 'm_race' }),
    ])
    await Promise.all([first.close(), second.close()])
    expect(results.map((r) => r.applied).sort()).toEqual([[], ['001_log.sql', '002_entry.sql']])
    expect(await db.sql`select v from run_log`).toHaveLength(1)
  })
})
