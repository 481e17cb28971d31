import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, type TestContext } from 'vitest'
import type { OutgoingMessage, Queue, QueueDepth, ReceivedMessage } from '../src/queue/queue.ts'

export interface QueueFixture {
  queue: Queue
  /** The dead-letter queue, when opened with `maxReceiveCount`. */
  dlq?: Queue
  cleanup(): Promise<void>
}

export type OpenQueue = (options: {
  visibilityTimeout: number
  maxReceiveCount?: number
}) => Promise<QueueFixture>

export function batch(count: number, prefix = 'm'): OutgoingMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `e${i}`,
    body: `${prefix}-${i}`,
    attributes: { index: String(i), kind: 'contract' },
  }))
}

/** Receives until `count` messages arrived or `tries` polls of 1 s came back empty. */
export async function receiveAll(
  queue: Queue,
  count: number,
  tries = 5,
): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = []
  while (received.length < count && tries > 0) {
    const got = await queue.receive({ waitSeconds: 1 })
    if (got.length === 0) tries--
    received.push(...got)
  }
  return received
}

async function receiveOne(queue: Queue, waitSeconds = 2): Promise<ReceivedMessage> {
  const [message] = await queue.receive({ maxMessages: 1, waitSeconds })
  if (!message) throw new Error('no message arrived')
  return message
}

/** Polls `depth()` until it equals `expected` (SQS counts are eventually consistent). */
async function depthBecomes(queue: Queue, expected: QueueDepth): Promise<QueueDepth> {
  let depth = await queue.depth()
  for (
    let i = 0;
    i < 40 && (depth.visible !== expected.visible || depth.inFlight !== expected.inFlight);
    i++
  ) {
    await sleep(100)
    depth = await queue.depth()
  }
  return depth
}

/** Receives (3 at a time, 30 s leases) until a 1 s poll comes back empty; returns the ids. */
export async function drainIds(queue: Queue): Promise<string[]> {
  const ids: string[] = []
  for (;;) {
    const got = await queue.receive({ maxMessages: 3, waitSeconds: 1, visibilityTimeout: 30 })
    if (got.length === 0) return ids
    ids.push(...got.map((m) => m.messageId))
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now()
  const value = await fn()
  return { value, ms: performance.now() - start }
}

/** The behaviour every Queue driver shares; `open` makes a fresh, empty queue per call. */
export function queueContract(name: string, open: OpenQueue): void {
  // Concurrent: every test has its own queue and mostly waits on timers.
  describe.concurrent(name, { timeout: 15_000 }, () => {
    const fresh = async (
      context: TestContext,
      options: Parameters<OpenQueue>[0] = { visibilityTimeout: 2 },
    ) => {
      const fixture = await open(options)
      context.onTestFinished(() => fixture.cleanup())
      return fixture
    }

    it('delivers each message of a batch of 10 once, with its body and attributes', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 30 })
      const sent = await queue.send(batch(10))
      expect(sent.failed).toEqual([])
      const received = await receiveAll(queue, 10)
      expect(received.map((m) => m.body).sort()).toEqual(
        batch(10)
          .map((m) => m.body)
          .sort(),
      )
      for (const message of received) {
        const index = message.body.split('-')[1]
        expect(message.attributes).toEqual({ index, kind: 'contract' })
        expect(message.messageId).toBe(sent.successful.find((s) => s.id === `e${index}`)?.messageId)
        expect(message.receiveCount).toBe(1)
        expect(Math.abs(message.sentAt.getTime() - Date.now())).toBeLessThan(60_000)
      }
      expect(await queue.receive({ waitSeconds: 0 })).toEqual([])
    })

    it('rejects a batch of more than 10 messages with InvalidArgument', async (context) => {
      const { queue } = await fresh(context)
      await expect(queue.send(batch(11))).rejects.toMatchObject({ code: 'InvalidArgument' })
    })

    it('rejects a batch larger than 1 MiB with InvalidArgument', async (context) => {
      const { queue } = await fresh(context)
      const big = 'x'.repeat(600 * 1024)
      const messages = [
        { id: 'a', body: big },
        { id: 'b', body: big },
      ]
      await expect(queue.send(messages)).rejects.toMatchObject({ code: 'InvalidArgument' })
    })

    it('rejects a batch whose entry ids repeat with InvalidArgument', async (context) => {
      const { queue } = await fresh(context)
      const messages = [
        { id: 'same', body: 'a' },
        { id: 'same', body: 'b' },
      ]
      await expect(queue.send(messages)).rejects.toMatchObject({ code: 'InvalidArgument' })
    })

    it('returns an empty list after waiting about waitSeconds on an empty queue', async (context) => {
      const { queue } = await fresh(context)
      const { value, ms } = await timed(() => queue.receive({ waitSeconds: 1 }))
      expect(value).toEqual([])
      expect(ms).toBeGreaterThan(900)
      expect(ms).toBeLessThan(3000)
    })

    it('ends a 20 s long poll promptly with an empty list when aborted', async (context) => {
      const { queue } = await fresh(context)
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 200)
      const { value, ms } = await timed(() =>
        queue.receive({ waitSeconds: 20, signal: controller.signal }),
      )
      expect(value).toEqual([])
      expect(ms).toBeLessThan(1200)
    })

    it('hides a received message from other receivers while it is leased', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 5 })
      await queue.send(batch(1))
      await receiveOne(queue)
      expect(await queue.receive({ waitSeconds: 1 })).toEqual([])
    })

    it('delivers a message again after its visibility timeout, counting the receive', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 1 })
      await queue.send(batch(1))
      const first = await receiveOne(queue)
      const again = await receiveOne(queue, 4)
      expect(again.messageId).toBe(first.messageId)
      expect(again.body).toBe(first.body)
      expect(again.receiveCount).toBe(2)
    })

    it('never delivers a deleted message again', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 1 })
      await queue.send(batch(1))
      const message = await receiveOne(queue)
      expect(await queue.delete([message.receiptHandle])).toEqual({ failed: [] })
      await sleep(1200)
      expect(await queue.receive({ waitSeconds: 1 })).toEqual([])
    })

    it('reports an unknown receipt handle as a failed delete instead of throwing', async (context) => {
      const { queue } = await fresh(context)
      const result = await queue.delete(['not-a-receipt-handle'])
      expect(result.failed.map((f) => f.receiptHandle)).toEqual(['not-a-receipt-handle'])
    })

    it('makes a message visible at once with changeVisibility(handle, 0)', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 30 })
      await queue.send(batch(1))
      const first = await receiveOne(queue)
      await queue.changeVisibility(first.receiptHandle, 0)
      const { value: again, ms } = await timed(() => receiveOne(queue, 5))
      expect(again.messageId).toBe(first.messageId)
      expect(again.receiveCount).toBe(2)
      expect(ms).toBeLessThan(2500)
    })

    it('keeps a message hidden past its timeout when extended, and the handle still deletes it', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 1 })
      await queue.send(batch(1))
      const message = await receiveOne(queue)
      await queue.changeVisibility(message.receiptHandle, 5)
      await sleep(1500)
      expect(await queue.receive({ waitSeconds: 0 })).toEqual([])
      expect(await queue.delete([message.receiptHandle])).toEqual({ failed: [] })
      expect(await depthBecomes(queue, { visible: 0, inFlight: 0 })).toEqual({
        visible: 0,
        inFlight: 0,
      })
    })

    it('moves a message to the dead-letter queue after maxReceiveCount receives', async (context) => {
      const { queue, dlq } = await fresh(context, { visibilityTimeout: 30, maxReceiveCount: 2 })
      await queue.send([{ id: 'poison', body: 'poison', attributes: { kind: 'bad' } }])
      for (let receive = 1; receive <= 2; receive++) {
        const message = await receiveOne(queue)
        expect(message.receiveCount).toBe(receive)
        await queue.changeVisibility(message.receiptHandle, 0)
      }
      expect(await queue.receive({ waitSeconds: 1 })).toEqual([])
      const dead = await receiveOne(dlq as Queue, 3)
      expect(dead.body).toBe('poison')
      expect(dead.attributes).toEqual({ kind: 'bad' })
    })

    it('counts visible and in-flight messages in depth', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 30 })
      await queue.send(batch(3))
      expect(await depthBecomes(queue, { visible: 3, inFlight: 0 })).toEqual({
        visible: 3,
        inFlight: 0,
      })
      await receiveOne(queue)
      expect(await depthBecomes(queue, { visible: 2, inFlight: 1 })).toEqual({
        visible: 2,
        inFlight: 1,
      })
    })

    it('gives every message to one of two concurrent receivers', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 30 })
      await queue.send(batch(10, 'a'))
      await queue.send(batch(10, 'b'))
      const [one, two] = await Promise.all([drainIds(queue), drainIds(queue)])
      expect(new Set([...one, ...two]).size).toBe(20)
    })

    it('holds back a message sent with delaySeconds until the delay has passed', async (context) => {
      const { queue } = await fresh(context)
      await queue.send([{ id: 'late', body: 'late', delaySeconds: 2 }])
      expect(await queue.receive({ waitSeconds: 1 })).toEqual([])
      expect((await receiveOne(queue, 3)).body).toBe('late')
    })

    it('ends a pending long poll with an empty list when closed', async (context) => {
      const { queue } = await fresh(context)
      const pending = timed(() => queue.receive({ waitSeconds: 20 }))
      await sleep(200)
      await queue.close()
      const { value, ms } = await pending
      expect(value).toEqual([])
      expect(ms).toBeLessThan(1200)
    })

    it('answers ping', async (context) => {
      const { queue } = await fresh(context)
      await expect(queue.ping()).resolves.toBeUndefined()
    })
  })
}
