import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CloudError, fromSdkError, openObjects, openQueue, openTopic } from '../src/index.ts'

/** An AWS endpoint nothing listens on, tried once. */
const dead = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1 }

function sdkError(name: string, status?: number) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  })
}

describe('fromSdkError', () => {
  it.each([
    ['NoSuchKey', 404, 'NotFound', false],
    ['ParameterNotFound', 400, 'NotFound', false],
    ['AWS.SimpleQueueService.NonExistentQueue', 400, 'NotFound', false],
    ['PreconditionFailed', 412, 'PreconditionFailed', false],
    ['ConditionalRequestConflict', 409, 'Unavailable', true],
    ['SlowDown', 503, 'Throttled', true],
    ['ThrottlingException', 400, 'Throttled', true],
    ['AccessDenied', 403, 'AccessDenied', false],
    ['InternalError', 500, 'Unavailable', true],
    ['ValidationError', 400, 'InvalidArgument', false],
  ])('maps %s (HTTP %s) to %s', (name, status, code, transient) => {
    const error = fromSdkError(sdkError(name, status), 'GetObject a/b.json')
    expect(error).toBeInstanceOf(CloudError)
    expect(error).toMatchObject({ code, transient })
    expect(error.message).toContain('GetObject a/b.json')
  })

  it('treats a refused connection as a transient outage', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    })
    expect(fromSdkError(refused, 'SendMessageBatch q')).toMatchObject({
      code: 'Unavailable',
      transient: true,
    })
  })

  it('passes a CloudError through unchanged', () => {
    const original = new CloudError('NotFound', 'gone')
    expect(fromSdkError(original, 'x')).toBe(original)
  })
})

describe('a port that cannot be reached', () => {
  it('fails transiently, naming the bucket, the queue or the topic', async () => {
    const store = openObjects('unreachable-bucket', { aws: dead })
    const queue = openQueue('http://127.0.0.1:9/000000000000/q', { aws: dead })
    const topic = openTopic('arn:aws:sns:us-east-1:000000000000:t', { aws: dead })
    try {
      await expect(store.head('a.json')).rejects.toMatchObject({
        transient: true,
        dependency: 'the bucket',
      })
      await expect(queue.send([{ id: '0', body: '{}' }])).rejects.toMatchObject({
        transient: true,
        dependency: 'the queue',
      })
      await expect(topic.publish({ message: '{}' })).rejects.toMatchObject({
        transient: true,
        dependency: 'the topic',
      })
    } finally {
      await Promise.all([store.close(), queue.close(), topic.close()])
    }
  })
})

describe('a key a local bucket cannot hold', () => {
  it('carries the 400 a client gets, saying why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-key-'))
    const store = openObjects(`file://${dir}`)
    try {
      await store.put('a', 'file')
      const error = await store.put('a/b', 'nested').catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'InvalidArgument', transient: false })
      expect((error as CloudError).clientProblem).toMatchObject({
        status: 400,
        code: 'key_not_storable',
        detail: expect.stringContaining('cannot be stored in a local bucket'),
      })
    } finally {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('leaves other errors without a client answer', () => {
    expect(new CloudError('InvalidArgument', 'list: limit 0').clientProblem).toBeUndefined()
  })
})
