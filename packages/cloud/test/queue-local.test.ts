import { type ChildProcess, fork } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openLocalQueue } from '../src/queue/local/driver.ts'
import type { Queue } from '../src/queue/queue.ts'
import { batch, drainIds } from './queue-contract.ts'

const RECEIVER = join(import.meta.dirname, 'queue-local-receiver.ts')

function startReceiver(dir: string): {
  child: ChildProcess
  ready: Promise<void>
  ids: Promise<string[]>
} {
  const child = fork(RECEIVER, [dir], { execPath: process.execPath, execArgv: [] })
  const ready = new Promise<void>((resolve) => child.once('message', () => resolve()))
  const ids = new Promise<string[]>((resolve, reject) => {
    child.on('message', (m) => {
      if (typeof m === 'object' && m !== null && 'ids' in m) resolve(m.ids as string[])
    })
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)))
  })
  return { child, ready, ids }
}

async function sendMany(queue: Queue, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i += 10) {
    const { successful, failed } = await queue.send(batch(Math.min(10, count - i), `n${i}`))
    expect(failed).toEqual([])
    ids.push(...successful.map((s) => s.messageId))
  }
  return ids
}

describe('local queue across processes', () => {
  let dir: string
  const queues: Queue[] = []
  const open = (options: { visibilityTimeout?: number; maxReceiveCount?: number } = {}) => {
    const queue = openLocalQueue(dir, options)
    queues.push(queue)
    return queue
  }
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()))
    await rm(dir, { recursive: true, force: true })
  })

  it('gives each of 200 messages to exactly one of two receiver processes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-queue-'))
    const sent = await sendMany(open(), 200)
    const receivers = [startReceiver(dir), startReceiver(dir)]
    await Promise.all(receivers.map((r) => r.ready))
    for (const r of receivers) r.child.send('go')
    const [one, two] = await Promise.all(receivers.map((r) => r.ids))
    expect(one?.length).toBeGreaterThan(0)
    expect(two?.length).toBeGreaterThan(0)
    expect([...(one ?? []), ...(two ?? [])].sort()).toEqual([...sent].sort())
    expect(await open().depth()).toEqual({ visible: 0, inFlight: 0 })
  }, 20_000)

  it('never gives one leased message to two queue instances receiving at once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-queue-'))
    const sent = await sendMany(open(), 60)
    const [one, two] = await Promise.all([drainIds(open()), drainIds(open())])
    expect([...one, ...two].sort()).toEqual([...sent].sort())
  })

  it('receives messages in the order they were sent', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-queue-'))
    const queue = open()
    const sent = await sendMany(queue, 30)
    const received: string[] = []
    for (let i = 0; i < 3; i++) {
      received.push(...(await queue.receive({ waitSeconds: 0 })).map((m) => m.messageId))
    }
    expect(received).toEqual(sent)
  })

  it('invalidates a receipt handle once the message was received again', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-queue-'))
    const queue = open({ visibilityTimeout: 30 })
    await queue.send(batch(1))
    const [first] = await queue.receive({ waitSeconds: 0 })
    await queue.changeVisibility(first?.receiptHandle ?? '', 0)
    const [second] = await queue.receive({ waitSeconds: 0 })
    expect(second?.messageId).toBe(first?.messageId)
    expect((await queue.delete([first?.receiptHandle ?? ''])).failed).toHaveLength(1)
    await expect(queue.changeVisibility(first?.receiptHandle ?? '', 0)).rejects.toMatchObject({
      code: 'InvalidArgument',
    })
    expect(await queue.delete([second?.receiptHandle ?? ''])).toEqual({ failed: [] })
  })

  it('deletes by a handle whose visibility another process extended', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-queue-'))
    const receiver = open({ visibilityTimeout: 1 })
    await receiver.send(batch(1))
    const [message] = await receiver.receive({ waitSeconds: 0 })
    await open().changeVisibility(message?.receiptHandle ?? '', 30)
    expect(await receiver.delete([message?.receiptHandle ?? ''])).toEqual({ failed: [] })
    expect(await receiver.depth()).toEqual({ visible: 0, inFlight: 0 })
  })

  it('keeps dead letters in <dir>/dead-letter, readable as a queue of its own', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-queue-'))
    const queue = open({ maxReceiveCount: 1 })
    await queue.send(batch(1))
    const [message] = await queue.receive({ waitSeconds: 0 })
    await queue.changeVisibility(message?.receiptHandle ?? '', 0)
    expect(await queue.receive({ waitSeconds: 0 })).toEqual([])
    expect(await readdir(join(dir, 'dead-letter', 'messages'))).toHaveLength(1)
    const [dead] = await openLocalQueue(join(dir, 'dead-letter'), {}).receive({ waitSeconds: 0 })
    expect(dead?.messageId).toBe(message?.messageId)
  })

  it('leaves no temporary files behind after sending', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-queue-'))
    await sendMany(open(), 20)
    expect(await readdir(join(dir, 'tmp'))).toEqual([])
    expect(await readdir(join(dir, 'messages'))).toHaveLength(20)
  })
})
