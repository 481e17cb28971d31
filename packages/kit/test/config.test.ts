import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Static, Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { ConfigError, type ConfigRule, loadConfig, ServerEnv } from '../src/index.ts'

const Config = Type.Object({
  ...ServerEnv,
  SQS_QUEUE_URL: Type.String(),
  BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10, default: 10 }),
  DRY_RUN: Type.Boolean({ default: false }),
  INGEST_TOKEN: Type.Optional(Type.String({ minLength: 32 })),
})

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('applies defaults for unset variables', () => {
    expect(loadConfig(Config, { env: { SQS_QUEUE_URL: 'file:///tmp/q' } })).toEqual({
      PORT: 8080,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      SQS_QUEUE_URL: 'file:///tmp/q',
      BATCH_SIZE: 10,
      DRY_RUN: false,
    })
  })

  it('converts strings to numbers and booleans', () => {
    const env = { SQS_QUEUE_URL: 'q', PORT: '3000', BATCH_SIZE: '5', DRY_RUN: 'true' }
    expect(loadConfig(Config, { env })).toMatchObject({ PORT: 3000, BATCH_SIZE: 5, DRY_RUN: true })
  })

  it('names every bad variable in one message', () => {
    const error = errorOf(() => loadConfig(Config, { env: { PORT: 'abc', LOG_LEVEL: 'loud' } }))
    expect(error.message).toContain('PORT: must be an integer between 1 and 65535 (got "abc")')
    expect(error.message).toContain('SQS_QUEUE_URL: required')
    expect(error.message).toContain('LOG_LEVEL: must be one of: fatal, error, warn, info')
    expect(error.issues.map((i) => i.name)).toEqual(['PORT', 'LOG_LEVEL', 'SQS_QUEUE_URL'])
  })

  it('states bounds when a number is out of range', () => {
    const error = errorOf(() =>
      loadConfig(Config, { env: { SQS_QUEUE_URL: 'q', BATCH_SIZE: '11' } }),
    )
    expect(error.issues).toEqual([
      { name: 'BATCH_SIZE', reason: 'must be an integer between 1 and 10 (got "11")' },
    ])
  })

  it('never prints the value of a variable whose name suggests a secret', () => {
    const env = { SQS_QUEUE_URL: 'q', INGEST_TOKEN: 'short-but-secret' }
    const error = errorOf(() => loadConfig(Config, { env }))
    expect(error.message).toContain('INGEST_TOKEN: must be 32 to ∞ characters long')
    expect(error.message).not.toContain('short-but-secret')
  })

  it('treats an empty value as unset', () => {
    const error = errorOf(() => loadConfig(Config, { env: { SQS_QUEUE_URL: '', PORT: '' } }))
    expect(error.issues).toEqual([{ name: 'SQS_QUEUE_URL', reason: 'required' }])
  })

  it('ignores and drops variables the schema does not name', () => {
    const config = loadConfig(Config, { env: { SQS_QUEUE_URL: 'q', HOME: '/root' } })
    expect(config).not.toHaveProperty('HOME')
  })

  it('reads a .env file for variables the environment does not set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-config-'))
    const envFile = join(dir, '.env')
    writeFileSync(envFile, 'SQS_QUEUE_URL=from-file\nPORT=9000\n# comment\nBATCH_SIZE="3"\n')
    const config = loadConfig(Config, { env: { PORT: '7000' }, envFile })
    expect(config).toMatchObject({ SQS_QUEUE_URL: 'from-file', PORT: 7000, BATCH_SIZE: 3 })
  })

  it('treats a missing .env file as empty', () => {
    const envFile = join(tmpdir(), 'kit-no-such-dir', '.env')
    expect(loadConfig(Config, { env: { SQS_QUEUE_URL: 'q' }, envFile }).PORT).toBe(8080)
  })
})

describe('loadConfig rules', () => {
  const batchFitsDryRun: ConfigRule<Static<typeof Config>> = {
    reads: ['BATCH_SIZE', 'DRY_RUN'],
    check: (config) =>
      config.DRY_RUN && config.BATCH_SIZE > 1
        ? { name: 'BATCH_SIZE', reason: 'must be 1 with DRY_RUN' }
        : undefined,
  }
  const rules = [batchFitsDryRun]

  it('returns the configuration when every rule holds', () => {
    const env = { SQS_QUEUE_URL: 'q', DRY_RUN: 'true', BATCH_SIZE: '1' }
    expect(loadConfig(Config, { env, rules })).toMatchObject({ DRY_RUN: true, BATCH_SIZE: 1 })
  })

  it("lists a broken rule's issue after the per-variable ones, in one error", () => {
    const error = errorOf(() =>
      loadConfig(Config, { env: { PORT: 'abc', DRY_RUN: 'true' }, rules }),
    )
    expect(error.issues.map((i) => i.name)).toEqual(['PORT', 'SQS_QUEUE_URL', 'BATCH_SIZE'])
    expect(error.message).toContain('BATCH_SIZE: must be 1 with DRY_RUN')
  })

  it('skips a rule that reads a variable the schema refused', () => {
    const env = { SQS_QUEUE_URL: 'q', DRY_RUN: 'maybe' }
    expect(errorOf(() => loadConfig(Config, { env, rules })).issues).toEqual([
      { name: 'DRY_RUN', reason: 'must be true or false (got "maybe")' },
    ])
  })
})

describe('loadConfigOrExit', () => {
  it('exits non-zero naming every bad variable on stderr', () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'config-exit.ts')
    const child = spawnSync(process.execPath, [fixture], {
      env: { PATH: process.env.PATH, PORT: 'abc' },
      encoding: 'utf8',
    })
    expect(child.status).toBe(1)
    expect(child.stderr).toContain('PORT: must be an integer')
    expect(child.stderr).toContain('SQS_QUEUE_URL: required')
    expect(child.stdout).toBe('')
  })
})
