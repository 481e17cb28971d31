import { ConfigError } from '@ferry/kit'
import { describe, expect, it } from 'vitest'
import { loadWorkerConfig } from '../src/config.ts'

const required = { SQS_QUEUE_URL: 'file:///tmp/q', S3_BUCKET: 'file:///tmp/b' }

function issuesOf(env: Record<string, string>) {
  try {
    loadWorkerConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.issues
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('loadWorkerConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadWorkerConfig(required)).toMatchObject({
      APP_ENV: 'local',
      S3_KEY_TEMPLATE: 'emails/{payload_version}/{env}/{yyyy}/{mm}/{dd}/{message_id}.json',
      WORKER_CONCURRENCY: 32,
      POLL_WAIT_SECONDS: 20,
      VISIBILITY_TIMEOUT: 60,
      MAX_MESSAGES: 10,
      AWS_REGION: 'us-east-1',
    })
  })

  it('rejects a key template with an unknown placeholder, naming S3_KEY_TEMPLATE', () => {
    const issues = issuesOf({ ...required, S3_KEY_TEMPLATE: 'e/{date}/{message_id}' })
    expect(issues).toEqual([
      { name: 'S3_KEY_TEMPLATE', reason: expect.stringContaining('unknown placeholder {date}') },
    ])
  })

  it('names every bad variable at once, the key template included', () => {
    const issues = issuesOf({ MAX_MESSAGES: '11', S3_KEY_TEMPLATE: 'e/{x}/{message_id}' })
    expect(issues.map((i) => i.name)).toEqual([
      'SQS_QUEUE_URL',
      'S3_BUCKET',
      'MAX_MESSAGES',
      'S3_KEY_TEMPLATE',
    ])
  })

  it('rejects an APP_ENV that cannot sit in a key', () => {
    expect(issuesOf({ ...required, APP_ENV: '../prod' }).map((i) => i.name)).toEqual(['APP_ENV'])
  })
})
