import { describe, expect, it, type TestContext } from 'vitest'
import type { DeadLetters } from '../src/queue/dead-letters.ts'
import type { Queue } from '../src/queue/queue.ts'
import { batch, type OpenQueue, receiveAll } from './queue-contract.ts'

/**
 * Sends `count` messages and fails each once, so that (maxReceiveCount 1) the next receive moves
 * them to the dead-letter queue; returns their ids.
 */
export async function deadLetter(queue: Queue, count: number): Promise<string[]> {
  const sent = await queue.send(batch(count, 'dead'))
  expect(sent.failed).toEqual([])
  const received = await receiveAll(queue, count)
  for (const m of received) await queue.changeVisibility(m.receiptHandle, 0)
  expect(await queue.receive({ waitSeconds: 1 })).toEqual([])
  return sent.successful.map((s) => s.messageId)
}

/** The behaviour every DeadLetters driver shares; `open` makes a queue with maxReceiveCount 1. */
export function deadLettersContract(
  name: string,
  open: OpenQueue,
  deadLettersOf: (queue: Queue) => DeadLetters,
): void {
  describe.concurrent(name, { timeout: 30_000 }, () => {
    const fresh = async (context: TestContext) => {
      const fixture = await open({ visibilityTimeout: 30, maxReceiveCount: 1 })
      const deadLetters = deadLettersOf(fixture.queue)
      context.onTestFinished(async () => {
        await deadLetters.close()
        await fixture.cleanup()
      })
      return { queue: fixture.queue, deadLetters }
    }
    const depthOf = (deadLetters: DeadLetters) => async () => (await deadLetters.stats()).depth

    it('reports an empty dead-letter queue with depth 0 and no oldest message', async (context) => {
      const { deadLetters } = await fresh(context)
      expect(await deadLetters.stats()).toEqual({ depth: 0, inFlight: 0, oldestSentAt: undefined })
      expect(await deadLetters.peek()).toEqual([])
      expect(await deadLetters.redriveStatus()).toBeUndefined()
    })

    it('counts dead letters and dates the oldest to its first send', async (context) => {
      const { queue, deadLetters } = await fresh(context)
      const before = Date.now() - 1000
      await deadLetter(queue, 3)
      await context.expect.poll(depthOf(deadLetters), { timeout: 5000 }).toBe(3)
      const { oldestSentAt } = await deadLetters.stats()
      expect(oldestSentAt?.getTime()).toBeGreaterThanOrEqual(before)
      expect(oldestSentAt?.getTime()).toBeLessThanOrEqual(Date.now())
    })

    it('peeks at body, attributes, receive count and send time, and keeps the messages', async (context) => {
      const { queue, deadLetters } = await fresh(context)
      const ids = await deadLetter(queue, 3)
      const seen = await deadLetters.peek({ max: 10 })
      expect(seen.map((m) => m.messageId).sort()).toEqual([...ids].sort())
      for (const m of seen) {
        const index = m.body.split('-')[1]
        expect(m.attributes).toEqual({ index, kind: 'contract' })
        expect(m.receiveCount).toBeGreaterThanOrEqual(1)
        expect(Math.abs(m.sentAt.getTime() - Date.now())).toBeLessThan(60_000)
      }
      const again = await deadLetters.peek({ max: 10 })
      expect(again.map((m) => m.messageId).sort()).toEqual([...ids].sort())
      await context.expect.poll(depthOf(deadLetters), { timeout: 5000 }).toBe(3)
    })

    it('peeks at no more than max messages', async (context) => {
      const { queue, deadLetters } = await fresh(context)
      await deadLetter(queue, 3)
      expect(await deadLetters.peek({ max: 2 })).toHaveLength(2)
    })

    it('rejects a peek of 0 or over 100 messages with InvalidArgument', async (context) => {
      const { deadLetters } = await fresh(context)
      await expect(deadLetters.peek({ max: 0 })).rejects.toMatchObject({ code: 'InvalidArgument' })
      await expect(deadLetters.peek({ max: 101 })).rejects.toMatchObject({
        code: 'InvalidArgument',
      })
    })

    it('redrives selected messages to the source, received afresh, and leaves the others', async (context) => {
      const { queue, deadLetters } = await fresh(context)
      const [first, ...others] = await deadLetter(queue, 3)
      const result = await deadLetters.redrive({ messageIds: [first ?? ''] })
      expect(result).toMatchObject({ status: 'COMPLETED', notFound: [], failed: [] })
      expect(result.moved).toHaveLength(1)
      const [back] = await receiveAll(queue, 1)
      expect(back?.body).toBe('dead-0')
      expect(back?.attributes).toEqual({ index: '0', kind: 'contract' })
      expect(back?.receiveCount).toBe(1)
      const left = await deadLetters.peek({ max: 10 })
      expect(left.map((m) => m.messageId).sort()).toEqual([...others].sort())
    })

    it('names the selected ids that are not in the dead-letter queue', async (context) => {
      const { queue, deadLetters } = await fresh(context)
      await deadLetter(queue, 1)
      const result = await deadLetters.redrive({ messageIds: ['no-such-message'] })
      expect(result).toEqual({
        status: 'COMPLETED',
        moved: [],
        notFound: ['no-such-message'],
        failed: [],
      })
      await context.expect.poll(depthOf(deadLetters), { timeout: 5000 }).toBe(1)
    })

    it('redrives every message back to the source and reports the move as completed', async (context) => {
      const { queue, deadLetters } = await fresh(context)
      await deadLetter(queue, 3)
      const started = await deadLetters.redrive()
      expect(['RUNNING', 'COMPLETED']).toContain(started.status)
      await context.expect
        .poll(async () => (await deadLetters.redriveStatus())?.status, { timeout: 10_000 })
        .toBe('COMPLETED')
      expect(await deadLetters.redriveStatus()).toMatchObject({ moved: 3, toMove: 3 })
      const back = await receiveAll(queue, 3)
      expect(back.map((m) => m.body).sort()).toEqual(['dead-0', 'dead-1', 'dead-2'])
      expect(back.map((m) => m.receiveCount)).toEqual([1, 1, 1])
      expect((await deadLetters.stats()).depth).toBe(0)
    })
  })
}
