import { describe, expect, it } from 'vitest'
import { receiveBatch } from '../src/consumer.ts'
import { createSlots } from '../src/slots.ts'

describe('slots', () => {
  it('makes a taker wait until enough slots are free', async () => {
    const slots = createSlots(10)
    const never = new AbortController().signal
    expect(await slots.take(8, never)).toBe(true)
    let second = false
    const pending = slots.take(4, never).then((ok) => {
      second = ok
    })
    await Promise.resolve()
    expect(second).toBe(false)
    slots.give(2)
    await pending
    expect(second).toBe(true)
    expect(slots.used).toBe(10)
  })

  it('answers false to a waiting taker when its signal aborts, taking nothing', async () => {
    const slots = createSlots(1)
    const stop = new AbortController()
    await slots.take(1, stop.signal)
    const pending = slots.take(1, stop.signal)
    stop.abort()
    expect(await pending).toBe(false)
    expect(slots.used).toBe(1)
  })
})

describe('receiveBatch', () => {
  it('asks for full batches when two fit in the concurrency', () => {
    expect(receiveBatch(32, 10)).toBe(10)
    expect(receiveBatch(20, 10)).toBe(10)
  })

  it('asks for half the concurrency otherwise, so one batch is received while another is written', () => {
    expect(receiveBatch(8, 10)).toBe(4)
    expect(receiveBatch(19, 10)).toBe(10)
    expect(receiveBatch(1, 10)).toBe(1)
  })
})
