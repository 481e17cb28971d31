import { describe, expect, it } from 'vitest'
import { createFailureLimiter, isHttpProblem } from '../src/index.ts'

function refusal(check: () => void) {
  try {
    check()
    return undefined
  } catch (error) {
    if (!isHttpProblem(error)) throw error
    return error
  }
}

describe('failure limiter', () => {
  it('refuses a client with 429 and Retry-After once it failed maxFailures times', () => {
    let now = 0
    const limiter = createFailureLimiter({ maxFailures: 3, windowSeconds: 60, now: () => now })
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => limiter.check('1.2.3.4'))).toBeUndefined()
      limiter.fail('1.2.3.4')
    }
    now = 15_000
    const problem = refusal(() => limiter.check('1.2.3.4'))
    expect(problem?.status).toBe(429)
    expect(problem?.headers['retry-after']).toBe('45')
    expect(refusal(() => limiter.check('5.6.7.8'))).toBeUndefined()
  })

  it('lets the client in again once its window ended', () => {
    let now = 0
    const limiter = createFailureLimiter({ maxFailures: 1, windowSeconds: 10, now: () => now })
    limiter.fail('a')
    expect(refusal(() => limiter.check('a'))?.status).toBe(429)
    now = 10_000
    expect(refusal(() => limiter.check('a'))).toBeUndefined()
  })

  it('forgets the oldest client past maxClients', () => {
    const limiter = createFailureLimiter({ maxFailures: 1, maxClients: 2 })
    limiter.fail('a')
    limiter.fail('b')
    limiter.fail('c')
    expect(refusal(() => limiter.check('a'))).toBeUndefined()
    expect(refusal(() => limiter.check('c'))?.status).toBe(429)
  })
})
