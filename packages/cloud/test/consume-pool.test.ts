import { describe, expect, it } from 'vitest'
import { receiveBatch } from '../src/queue/consume.ts'
import { createPool } from '../src/queue/consume-pool.ts'

describe('the consumer pool', () => {
  it('makes a taker wait until enough slots are free', async () => {
    const pool = createPool(10)
    const never = new AbortController().signal
    expect(await pool.take(8, never)).toBe(true)
    let second = false
    const pending = pool.take(4, never).then((ok) => {
      second = ok
    })
    await Promise.resolve()
    expect(second).toBe(false)
    pool.give(2)
    await pending
    expect(second).toBe(true)
    expect(pool.used).toBe(10)
  })

  it('answers false to a waiting taker when its signal aborts, taking nothing', async () => {
    const pool = createPool(1)
    const stop = new AbortController()
    await pool.take(1, stop.signal)
    const pending = pool.take(1, stop.signal)
    stop.abort()
    expect(await pending).toBe(false)
    expect(pool.used).toBe(1)
  })
})

describe('receiveBatch', () => {
  it('asks for full batches when two fit in the concurrency', () => {
    expect(receiveBatch(32, 10)).toBe(10)
    expect(receiveBatch(20, 10)).toBe(10)
  })

  it('asks for half the concurrency otherwise, so one batch is received while another is handled', () => {
    expect(receiveBatch(8, 10)).toBe(4)
    expect(receiveBatch(19, 10)).toBe(10)
    expect(receiveBatch(1, 10)).toBe(1)
  })
})
