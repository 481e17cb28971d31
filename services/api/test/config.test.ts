import { ConfigError, loadConfig } from '@ferry/kit'
import { describe, expect, it } from 'vitest'
import { authSetting, Config, isConfigIssue } from '../src/config.ts'

const base = {
  DATABASE_URL: 'pglite://memory',
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
    const issue = authSetting(loadConfig(Config, { env: base }))
    expect(isConfigIssue(issue) && issue.reason).toMatch(
      /exactly one of JWT_SECRET .* JWT_JWKS_URL.*neither/,
    )
  })

  it('refuses to start with both', () => {
    const env = { ...base, JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://idp.example.com/jwks' }
    const issue = authSetting(loadConfig(Config, { env }))
    expect(isConfigIssue(issue) && issue.reason).toMatch(/not both/)
  })

  it('refuses a JWT_SECRET shorter than 32 characters without showing it', () => {
    const load = () => loadConfig(Config, { env: { ...base, JWT_SECRET: 'short-secret' } })
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(/JWT_SECRET/)
    expect(load).not.toThrow(/short-secret/)
  })

  it('names every missing setting', () => {
    expect(() => loadConfig(Config, { env: {} })).toThrow(
      /DATABASE_URL[\s\S]*S3_BUCKET_NAME[\s\S]*SNS_TOPIC_ARN[\s\S]*SQS_QUEUE_URL/,
    )
  })
})
