import { ConfigError, loadConfig } from '@ferry/kit'
import { describe, expect, it } from 'vitest'
import {
  authSetting,
  Config,
  databaseAuth,
  filesSetting,
  configRules as rules,
} from '../src/config.ts'

const base = {
  DATABASE_URL: 'postgres://u@db:5432/api',
  S3_BUCKET_NAME: 'documents',
  SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:events',
  SQS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/events',
  FILES_BUCKET: 'files',
}
const SECRET = 'x'.repeat(32)

describe('configuration', () => {
  it('verifies with the HS256 secret when only JWT_SECRET is set', () => {
    const config = loadConfig(Config, { env: { ...base, JWT_SECRET: SECRET } })
    expect(authSetting(config)).toEqual({ kind: 'secret', secret: SECRET })
  })

  it('verifies with the identity provider keys when only JWT_JWKS_URL is set', () => {
    const url = 'https://idp.example.com/.well-known/jwks.json'
    const config = loadConfig(Config, { env: { ...base, JWT_JWKS_URL: url } })
    expect(authSetting(config)).toEqual({ kind: 'jwks', url })
  })

  it('refuses to start with neither, naming both variables', () => {
    expect(() => loadConfig(Config, { env: base, rules })).toThrow(
      /JWT_SECRET: set exactly one of JWT_SECRET .* JWT_JWKS_URL.*neither/,
    )
  })

  it('refuses to start with both', () => {
    const env = { ...base, JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://idp.example.com/jwks' }
    expect(() => loadConfig(Config, { env, rules })).toThrow(/not both/)
  })

  it('lists a broken rule beside the bad variables, in one error', () => {
    const env = { ...base, FILES_BUCKET: 'file:///tmp/files', PORT: 'abc' }
    expect(() => loadConfig(Config, { env, rules })).toThrow(
      /PORT: must be an integer[\s\S]*JWT_SECRET: set exactly one[\s\S]*PRESIGN_SECRET: required/,
    )
  })

  it('refuses to derive the token check from a configuration loaded without the rules', () => {
    expect(() => authSetting(loadConfig(Config, { env: base }))).toThrow(/JWT_SECRET: set exactly/)
  })

  it('refuses a JWT_SECRET shorter than 32 characters without showing it', () => {
    const load = () => loadConfig(Config, { env: { ...base, JWT_SECRET: 'short-secret' } })
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(/JWT_SECRET/)
    expect(load).not.toThrow(/short-secret/)
  })

  it('authenticates to the database with a password unless DATABASE_AUTH=iam', () => {
    const load = (env: Record<string, string>) =>
      loadConfig(Config, { env: { ...base, JWT_SECRET: SECRET, ...env } })
    expect(databaseAuth(load({}))).toEqual({ kind: 'password' })
    expect(databaseAuth(load({ DATABASE_AUTH: 'iam', AWS_REGION: 'eu-west-1' }))).toEqual({
      kind: 'iam',
      region: 'eu-west-1',
    })
    expect(() => load({ DATABASE_AUTH: 'token' })).toThrow(/DATABASE_AUTH/)
  })

  it('names every missing setting', () => {
    expect(() => loadConfig(Config, { env: {} })).toThrow(
      /DATABASE_URL[\s\S]*S3_BUCKET_NAME[\s\S]*SNS_TOPIC_ARN[\s\S]*SQS_QUEUE_URL[\s\S]*FILES_BUCKET/,
    )
  })
})

describe('files configuration', () => {
  const load = (env: Record<string, string>) =>
    loadConfig(Config, { env: { ...base, JWT_SECRET: SECRET, ...env }, rules })

  it('defaults to 100 MiB uploads, 7-day download and 1-hour upload presigning', () => {
    expect(load({})).toMatchObject({
      MAX_UPLOAD_BYTES: 100 * 1024 * 1024,
      PRESIGN_MAX_SECONDS: 604_800,
      PRESIGN_UPLOAD_MAX_SECONDS: 3600,
    })
  })

  it('lets S3 sign presigned URLs for a bucket name', () => {
    expect(filesSetting(load({}))).toEqual({})
  })

  it('needs PRESIGN_SECRET for a file:// bucket, whose URLs the api serves', () => {
    const local = { FILES_BUCKET: 'file:///tmp/files' }
    expect(() => load({ ...local, PUBLIC_URL: 'http://127.0.0.1:3000' })).toThrow(
      /PRESIGN_SECRET: required with a file:\/\/ FILES_BUCKET/,
    )
    const both = { ...local, PUBLIC_URL: 'http://127.0.0.1:3000', PRESIGN_SECRET: SECRET }
    expect(filesSetting(load(both))).toEqual({
      presign: { baseUrl: 'http://127.0.0.1:3000', secret: SECRET },
    })
  })

  it("points a file:// bucket's presigned URLs at the api's own address without PUBLIC_URL", () => {
    const local = { FILES_BUCKET: 'file:///tmp/files', PRESIGN_SECRET: SECRET }
    expect(filesSetting(load({ ...local, PORT: '3000' }))).toEqual({
      presign: { baseUrl: 'http://localhost:3000', secret: SECRET },
    })
    expect(filesSetting(load({ ...local, HOST: '127.0.0.1', PORT: '4000' }))).toEqual({
      presign: { baseUrl: 'http://127.0.0.1:4000', secret: SECRET },
    })
  })

  it('takes S3_PUBLIC_ENDPOINT as an origin for the presigner only', () => {
    const config = load({ S3_PUBLIC_ENDPOINT: 'http://localhost:4566' })
    expect(config.S3_PUBLIC_ENDPOINT).toBe('http://localhost:4566')
    expect(filesSetting(config)).toEqual({})
    expect(() => load({ S3_PUBLIC_ENDPOINT: 'localhost:4566' })).toThrow(/S3_PUBLIC_ENDPOINT/)
    expect(() => load({ S3_PUBLIC_ENDPOINT: 'http://localhost:4566/bucket' })).toThrow(
      /S3_PUBLIC_ENDPOINT/,
    )
  })

  it('refuses a PRESIGN_MAX_SECONDS past the 7 days S3 allows', () => {
    expect(() => load({ PRESIGN_MAX_SECONDS: '604801' })).toThrow(/PRESIGN_MAX_SECONDS/)
  })
})
