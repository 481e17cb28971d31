import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { ConfigError } from '@ferry/kit'
import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import { buildApp, type Deps } from '../src/app.ts'
import { Config, loadResolvedConfig } from '../src/config.ts'

const OPERATOR = { OPERATOR_TOKEN: 'config-test-operator-token' }
const load = (env: Record<string, string>) =>
  loadResolvedConfig({ env: { S3_BUCKET: 'raw', ...OPERATOR, ...env } })

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
    expect(() => loadResolvedConfig({ env: { DATABASE_URL: 'postgres://u@db:5432/x' } })).toThrow(
      /S3_BUCKET: required/,
    )
  })
})

describe('operator API credentials', () => {
  const url = { DATABASE_URL: 'postgres://u@db:5432/x' }
  const bare = (env: Record<string, string>) =>
    loadResolvedConfig({ env: { S3_BUCKET: 'raw', ...url, ...env } })

  it('refuses to load without OPERATOR_TOKEN, naming it and the opt-out', () => {
    expect(() => bare({})).toThrow(ConfigError)
    expect(() => bare({})).toThrow(/OPERATOR_TOKEN: required.*OPERATOR_AUTH=none opts out/)
  })

  it('takes a token of at least 16 characters', () => {
    const token = 'a-token-of-20-chars!'
    expect(bare({ OPERATOR_TOKEN: token }).OPERATOR_TOKEN).toBe(token)
    expect(() => bare({ OPERATOR_TOKEN: 'short' })).toThrow(/OPERATOR_TOKEN/)
  })

  it('runs without a token only with OPERATOR_AUTH=none, and not with both', () => {
    expect(bare({ OPERATOR_AUTH: 'none' }).OPERATOR_TOKEN).toBeUndefined()
    expect(() => bare({ OPERATOR_AUTH: 'none', OPERATOR_TOKEN: 'a-token-of-20-chars!' })).toThrow(
      /OPERATOR_AUTH: none contradicts OPERATOR_TOKEN/,
    )
  })

  it('names the database and the token beside the bad variables, in one error', () => {
    expect(() => loadResolvedConfig({ env: { S3_BUCKET: 'raw', POLL_INTERVAL: '0' } })).toThrow(
      /POLL_INTERVAL: [^\n]*\n {2}DATABASE_URL: required[^\n]*\n {2}OPERATOR_TOKEN: required/,
    )
  })

  it('buildApp refuses a configuration without a token or the opt-out', () => {
    const config = Value.Parse(Config, { ...url, S3_BUCKET: 'raw' })
    const deps = { config } as unknown as Deps
    expect(() => buildApp(deps)).toThrow(/OPERATOR_TOKEN: required/)
  })

  it('the service process exits with 1 at start, naming OPERATOR_TOKEN', async () => {
    const main = join(import.meta.dirname, '..', 'src', 'main.ts')
    const env = { PATH: process.env.PATH ?? '', S3_BUCKET: 'file:///tmp/none', ...url }
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const [code] = await once(child, 'exit')
    expect(code).toBe(1)
    expect(stderr).toMatch(/OPERATOR_TOKEN: required/)
  })
})
