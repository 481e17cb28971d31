import { describe, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import { describeUrl, parseDatabaseUrl, withSearchPath } from '../src/url.ts'
import { serverDatabaseUrl } from './backends.ts'

describe('parseDatabaseUrl()', () => {
  it('refuses a URL that is not postgres://, naming what it takes', () => {
    expect(() => parseDatabaseUrl('mysql://db/app')).toThrow(
      'unsupported database URL mysql://db/app: use postgres://…',
    )
  })

  it('takes search_path out of a server URL and keeps the other parameters', () => {
    const location = parseDatabaseUrl(
      'postgresql://u@db:5432/app?search_path=test_1&sslmode=require',
    )
    expect(location).toMatchObject({
      url: 'postgresql://u@db:5432/app?sslmode=require',
      searchPath: 'test_1',
    })
  })

  it('rejects other schemes without echoing the password', () => {
    expect(() => parseDatabaseUrl('mysql://root:hunter2@db/app')).toThrow(
      /mysql:\/\/root:\*\*\*@db/,
    )
    expect(() => parseDatabaseUrl('mysql://root:hunter2@db/app')).not.toThrow(/hunter2/)
  })
})

describe('describeUrl()', () => {
  it('masks the password', () => {
    expect(describeUrl('postgres://app:s3cr%40t@db.internal:5432/ferry')).toBe(
      'postgres://app:***@db.internal:5432/ferry',
    )
  })

  it('leaves a URL without a password unchanged', () => {
    expect(describeUrl('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    )
  })
})

describe('withSearchPath()', () => {
  it('adds a search_path that parseDatabaseUrl reads back', () => {
    const url = withSearchPath('postgres://u:p@h/db', 'test_abc')
    expect(parseDatabaseUrl(url)).toMatchObject({ searchPath: 'test_abc' })
  })
})

describe('connect() to a postgres:// URL', () => {
  it('resolves without connecting and masks the password in its description', async () => {
    const db = await connect('postgres://app:hunter2@127.0.0.1:1/none')
    expect(db).toMatchObject({
      description: 'postgres://app:***@127.0.0.1:1/none',
    })
    await db.close()
  })

  it('rejects a ping when nothing listens at the address', async () => {
    const db = await connect('postgres://postgres@127.0.0.1:1/none')
    await expect(db.ping()).rejects.toThrow(/ECONNREFUSED/)
    await db.close()
  })
})

describe('connect() to the PostgreSQL server', () => {
  it('sets search_path from the URL and applicationName from the options', async () => {
    const db = await connect(withSearchPath(serverDatabaseUrl(), 'somewhere, public'), {
      applicationName: 'ferry-test',
    })
    try {
      const [row] = await db.sql`
          select current_setting('search_path') as path, current_setting('application_name') as app`
      expect(row).toEqual({ path: 'somewhere, public', app: 'ferry-test' })
    } finally {
      await db.close()
    }
  })
})
