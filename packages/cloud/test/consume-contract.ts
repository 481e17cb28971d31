import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, type TestContext, vi } from 'vitest'
import { CloudError } from '../src/errors.ts'
import { consume } from '../src/queue/consume.ts'
import type { ConsumeOptions, MessageHandler } from '../src/queue/consume-options.ts'
import type { Queue, ReceivedMessage } from '../src/queue/queue.ts'
import { batch, type OpenQueue, type QueueFixture } from './queue-contract.ts'

/** The queue with every delete call's receipt handles recorded. */
function watchDeletes(queue: Queue) {
  const calls: string[][] = []
  const watched: Queue = {
    ...queue,
    url: queue.url,
    delete: (handles) => {
      calls.push(handles)
      return queue.delete(handles)
    },
  }
  return { queue: watched, calls }
}

/** Polls until the queue holds nothing, visible or in flight (SQS counts lag). */
async function emptied(queue: Queue) {
  await vi.waitFor(async () => expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 }), {
    timeout: 10_000,
    interval: 100,
  })
}

/** The behaviour of `consume` on one queue driver; `open` makes a fresh, empty queue per call. */
// vi.waitFor gives up after 1 s by default: too soon for moto with every suite running at once.
const POLL = { timeout: 20_000 }

export function consumeContract(name: string, open: OpenQueue): void {
  describe.concurrent(name, { timeout: 20_000 }, () => {
    const fresh = async (
      context: TestContext,
      options: Parameters<OpenQueue>[0] = { visibilityTimeout: 30 },
    ): Promise<QueueFixture> => {
      const fixture = await open(options)
      context.onTestFinished(() => fixture.cleanup())
      return fixture
    }

    /** Starts consume with short polls; stop() aborts it and waits until it resolved. */
    const run = (
      context: TestContext,
      queue: Queue,
      handler: MessageHandler,
      options: Partial<ConsumeOptions> = {},
    ) => {
      const controller = new AbortController()
      const done = consume(queue, handler, {
        waitSeconds: 1,
        ...options,
        signal: controller.signal,
      })
      const stop = () => {
        controller.abort()
        return done
      }
      context.onTestFinished(() => stop().catch(() => undefined))
      return { done, stop }
    }

    it('deletes the message of a handler that resolves, ten to a delete call', async (context) => {
      const fixture = await fresh(context)
      const { queue, calls } = watchDeletes(fixture.queue)
      await fixture.queue.send(batch(10))
      const handled: string[] = []
      run(context, queue, async (m) => void handled.push(m.body), {
        concurrency: 20,
        deleteLingerMs: 1000,
      })
      await emptied(fixture.queue)
      expect(handled.sort()).toEqual(
        batch(10)
          .map((m) => m.body)
          .sort(),
      )
      expect(calls.map((c) => c.length)).toEqual([10])
    })

    it('leaves the message of a handler that throws: it comes back after its visibility timeout, then goes to the dead-letter queue', async (context) => {
      const { queue, dlq } = await fresh(context, { visibilityTimeout: 1, maxReceiveCount: 2 })
      await queue.send([{ id: 'poison', body: 'poison' }])
      const receives: number[] = []
      const failures: unknown[] = []
      run(
        context,
        queue,
        async (m) => {
          receives.push(m.receiveCount)
          throw new Error('cannot handle this')
        },
        { onError: (error) => void failures.push(error) },
      )
      await vi.waitFor(
        async () => {
          const [dead] = await (dlq as Queue).receive({ waitSeconds: 1 })
          expect(dead?.body).toBe('poison')
        },
        { timeout: 15_000 },
      )
      expect(receives).toEqual([1, 2])
      expect(failures).toEqual([new Error('cannot handle this'), new Error('cannot handle this')])
    })

    it('makes a failed message visible again after the seconds onError returns', async (context) => {
      const { queue } = await fresh(context)
      await queue.send(batch(1))
      const receives: number[] = []
      run(
        context,
        queue,
        async (m) => {
          receives.push(m.receiveCount)
          if (m.receiveCount === 1) throw new Error('try again')
        },
        { onError: () => 0 },
      )
      await emptied(queue)
      expect(receives).toEqual([1, 2])
    })

    it('never runs more handlers at once than its concurrency', async (context) => {
      const { queue } = await fresh(context)
      await queue.send(batch(10, 'a'))
      await queue.send(batch(10, 'b'))
      let running = 0
      let most = 0
      let handled = 0
      run(
        context,
        queue,
        async () => {
          most = Math.max(most, ++running)
          await sleep(100)
          running--
          handled++
        },
        { concurrency: 3 },
      )
      await vi.waitFor(() => expect(handled).toBe(20), { timeout: 15_000 })
      expect(most).toBeLessThanOrEqual(3)
      expect(most).toBeGreaterThanOrEqual(2)
    })

    it('keeps a long handler’s message invisible past its visibility timeout with heartbeats', async (context) => {
      const { queue } = await fresh(context, { visibilityTimeout: 1 })
      await queue.send(batch(1))
      const receives: number[] = []
      let heartbeats = 0
      let finish = () => {}
      const finished = new Promise<void>((resolve) => {
        finish = resolve
      })
      run(
        context,
        queue,
        async (m) => {
          receives.push(m.receiveCount)
          await finished
        },
        { visibilityTimeout: 2, onVisibility: () => void heartbeats++ },
      )
      await vi.waitFor(() => expect(receives).toEqual([1]), POLL)
      // Another receiver waits 3 s: past the 2 s lease, which only the heartbeats extend.
      expect(await queue.receive({ waitSeconds: 3 })).toEqual([])
      finish()
      await emptied(queue)
      expect(receives).toEqual([1])
      expect(heartbeats).toBeGreaterThanOrEqual(2)
    })

    it('waits for beforeReceive before each receive', async (context) => {
      const { queue } = await fresh(context)
      await queue.send(batch(1))
      let asked = 0
      let open = () => {}
      const opened = new Promise<void>((resolve) => {
        open = resolve
      })
      const receives: number[] = []
      run(context, queue, async () => undefined, {
        concurrency: 1,
        beforeReceive: () => {
          asked++
          return opened
        },
        onReceive: (count) => void receives.push(count),
      })
      await vi.waitFor(() => expect(asked).toBe(1), POLL)
      expect(receives).toEqual([])
      open()
      await emptied(queue)
      expect(receives).toContain(1)
    })

    it('on abort stops receiving, lets the running handlers finish and sends their deletes before it resolves', async (context) => {
      const fixture = await fresh(context)
      const { queue, calls } = watchDeletes(fixture.queue)
      await fixture.queue.send(batch(3))
      let inFlight = 0
      let finished = 0
      const consumer = run(
        context,
        queue,
        async () => {
          await sleep(500)
          finished++
        },
        {
          waitSeconds: 20,
          deleteLingerMs: 60_000,
          onInFlight: (n) => {
            inFlight = n
          },
        },
      )
      await vi.waitFor(() => expect(inFlight).toBe(3), POLL)
      const began = Date.now()
      await consumer.stop()
      expect(Date.now() - began).toBeLessThan(3000)
      expect(finished).toBe(3)
      expect(calls.flat().length).toBe(3)
      await emptied(fixture.queue)
    })

    it('on abort releases a handler that outlasts the drain timeout and never deletes its message', async (context) => {
      const fixture = await fresh(context)
      const { queue, calls } = watchDeletes(fixture.queue)
      await fixture.queue.send(batch(1))
      let started = false
      let finish = () => {}
      const finished = new Promise<void>((resolve) => {
        finish = resolve
      })
      const consumer = run(
        context,
        queue,
        async () => {
          started = true
          await finished
        },
        { drainTimeoutMs: 200 },
      )
      await vi.waitFor(() => expect(started).toBe(true), POLL)
      await consumer.stop()
      const [again] = await fixture.queue.receive({ waitSeconds: 2 })
      expect(again?.receiveCount).toBe(2)
      finish()
      // A delete would follow the handler's end within a tick (linger 0); give it a few.
      await sleep(50)
      expect(calls).toEqual([])
    })

    it('retries a failed receive and rejects with one isFatal accepts', async (context) => {
      const { queue } = await fresh(context)
      await queue.send(batch(1))
      const fault = { code: 'Unavailable' as const, left: 1 }
      const faulty: Queue = {
        ...queue,
        url: queue.url,
        receive: async (options) => {
          if (fault.left-- > 0) throw new CloudError(fault.code, 'ReceiveMessage: injected')
          return queue.receive(options)
        },
      }
      const handled: ReceivedMessage[] = []
      const consumer = run(context, faulty, async (m) => void handled.push(m), {
        concurrency: 1,
        isFatal: (error) => error instanceof CloudError && !error.transient,
      })
      await vi.waitFor(() => expect(handled.length).toBe(1), { timeout: 10_000 })
      Object.assign(fault, { code: 'AccessDenied', left: 1 })
      await expect(consumer.done).rejects.toMatchObject({ code: 'AccessDenied' })
    })
  })
}
