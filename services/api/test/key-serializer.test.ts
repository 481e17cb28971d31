import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createKeySerializer } from '../src/key-serializer.ts'

describe('createKeySerializer', () => {
  it('runs the tasks of one key one at a time, in submission order', async () => {
    const serialize = createKeySerializer()
    const events: string[] = []
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`)
      await sleep(ms)
      events.push(`end ${name}`)
      return name
    }
    const results = await Promise.all([serialize('k', task('a', 20)), serialize('k', task('b', 1))])
    expect(results).toEqual(['a', 'b'])
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b'])
  })

  it('runs tasks of different keys concurrently', async () => {
    const serialize = createKeySerializer()
    const events: string[] = []
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`)
      await sleep(ms)
      events.push(`end ${name}`)
    }
    await Promise.all([serialize('a', task('a', 20)), serialize('b', task('b', 1))])
    expect(events.slice(0, 2)).toEqual(['start a', 'start b'])
  })

  it('runs the next task of a key after one failed', async () => {
    const serialize = createKeySerializer()
    const failed = serialize('k', async () => {
      throw new Error('boom')
    })
    const next = serialize('k', async () => 'ok')
    await expect(failed).rejects.toThrow('boom')
    await expect(next).resolves.toBe('ok')
  })
})
