import { describe, expect, it } from 'vitest'
import { CloudError, fromSdkError } from '../src/index.ts'

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
