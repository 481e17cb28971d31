import { ConfigError } from '@ferry/kit'
import { describe, expect, it } from 'vitest'
import { loadSettings } from '../src/config.ts'

const load = (env: Record<string, string>) => loadSettings({ env: { S3_BUCKET: 'raw', ...env } })

describe('database settings', () => {
  it('uses DATABASE_URL when set', () => {
    const settings = load({
      DATABASE_URL: 'postgres://u@db:5432/x',
      DB_HOST: 'ignored',
      DB_USER: 'u',
    })
    expect(settings.databaseUrl).toBe('postgres://u@db:5432/x')
  })

  it('composes the old deployment’s DB_* variables, with their defaults', () => {
    const settings = load({ DB_HOST: 'db.internal', DB_USER: 'loader', DB_PASSWORD: 'p@ss/w:rd' })
    expect(settings.databaseUrl).toBe(
      'postgres://loader:p%40ss%2Fw%3Ard@db.internal:5432/clearinghouse',
    )
  })

  it('honours DB_PORT and DB_NAME', () => {
    const settings = load({ DB_HOST: 'h', DB_USER: 'u', DB_PORT: '6432', DB_NAME: 'ch' })
    expect(settings.databaseUrl).toBe('postgres://u@h:6432/ch')
  })

  it('authenticates with a password unless DATABASE_AUTH=iam', () => {
    const url = { DATABASE_URL: 'postgres://ferry_clearinghouse@db:5432/clearinghouse' }
    expect(load(url).databaseAuth).toEqual({ kind: 'password' })
    expect(load({ ...url, DATABASE_AUTH: 'iam', AWS_REGION: 'eu-west-1' }).databaseAuth).toEqual({
      kind: 'iam',
      region: 'eu-west-1',
    })
    expect(() => load({ ...url, DATABASE_AUTH: 'yes' })).toThrow(/DATABASE_AUTH/)
  })

  it('names DATABASE_URL when no database is configured', () => {
    expect(() => load({})).toThrow(ConfigError)
    expect(() => load({ DB_HOST: 'h' })).toThrow(
      /DATABASE_URL: required \(or DB_HOST and DB_USER; DB_USER/,
    )
  })
})

describe('defaults', () => {
  it('watches the whole bucket every 30 s, two files at once, five attempts', () => {
    expect(load({ DATABASE_URL: 'postgres://u@db:5432/x' })).toMatchObject({
      S3_PREFIX: '',
      POLL_INTERVAL: 30,
      MAX_ATTEMPTS: 5,
      CONCURRENCY: 2,
      LEASE_SECONDS: 300,
      PORT: 8080,
    })
  })

  it('caps a record at 16 MiB unless MAX_RECORD_BYTES says otherwise', () => {
    const url = { DATABASE_URL: 'postgres://u@db:5432/x' }
    expect(load(url).MAX_RECORD_BYTES).toBe(16 * 1024 * 1024)
    expect(load({ ...url, MAX_RECORD_BYTES: '1048576' }).MAX_RECORD_BYTES).toBe(1048576)
    expect(() => load({ ...url, MAX_RECORD_BYTES: '0' })).toThrow(/MAX_RECORD_BYTES/)
  })

  it('accepts a fractional poll interval', () => {
    expect(
      load({ DATABASE_URL: 'postgres://u@db:5432/x', POLL_INTERVAL: '0.25' }).POLL_INTERVAL,
    ).toBe(0.25)
  })

  it('names S3_BUCKET when it is missing', () => {
    expect(() => loadSettings({ env: { DATABASE_URL: 'postgres://u@db:5432/x' } })).toThrow(
      /S3_BUCKET: required/,
    )
  })
})
