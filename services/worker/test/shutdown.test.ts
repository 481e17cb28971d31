import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { openObjects, openQueue } from '@ferry/cloud'
import { testResourceKinds } from '@ferry/cloud/testing'
import type { Envelope } from '@ferry/schemas'
import { afterEach, describe, expect, it } from 'vitest'
import { type Backend, envelope, keyOf, listKeys, openBackend, sendBodies } from './helpers.ts'

type Line = Record<string, unknown>

const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts')
const children: ChildProcess[] = []

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The worker's main.ts as its own process; resolves once it listens. */
async function startWorker(backend: Backend) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    SQS_QUEUE_URL: backend.queueUrl,
    S3_BUCKET: backend.bucket,
    AWS_ENDPOINT_URL: backend.aws?.endpoint,
    APP_ENV: 'test',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    WORKER_CONCURRENCY: '8',
    POLL_WAIT_SECONDS: '1',
    VISIBILITY_TIMEOUT: '2',
  }
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  const lines: Line[] = []
  let stopWhen: ((line: Line) => boolean) | undefined
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    const line = JSON.parse(text) as Line
    lines.push(line)
    if (stopWhen?.(line)) {
      stopWhen = undefined
      child.kill('SIGTERM')
    }
  })
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  const count = (msg: string) => lines.filter((l) => l.msg === msg).length
  await expect.poll(() => count('consumer started') === 1).toBe(true)
  /** Sends SIGTERM the moment a line matches; resolves with the exit code. */
  const terminateWhen = (match: (line: Line) => boolean) => {
    stopWhen = match
    return exit
  }
  return { child, lines, exit, count, terminateWhen }
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

describe.each(testResourceKinds())('the worker process on %s', (kind) => {
  it('on SIGTERM with messages in flight exits 0, and after a restart every message is stored exactly once', async () => {
    const backend = await openBackend(kind, { maxReceiveCount: 5, visibilityTimeout: 2 })
    const queue = openQueue(backend.queueUrl, { aws: backend.aws })
    const dlq = openQueue(backend.dlqUrl, { aws: backend.aws })
    const objects = openObjects(backend.bucket, { aws: backend.aws })
    try {
      // moto answers in tens of ms per request; the local queue is far quicker.
      const all: Envelope[] = Array.from({ length: kind === 'aws' ? 60 : 300 }, () => envelope())
      await sendBodies(
        queue,
        all.map((e) => JSON.stringify(e)),
      )

      const first = await startWorker(backend)
      // Stop right after a receive once the worker is busy, while that batch is being written.
      const stopped = first.terminateWhen(
        (line) =>
          line.msg === 'messages received' && first.count('message persisted') >= all.length / 5,
      )
      expect(await stopped).toBe(0)
      const stopping = first.lines.find((l) => l.msg === 'receiving stopped; draining')
      expect(stopping?.in_flight).toBeGreaterThan(0)
      const afterFirst = await listKeys(objects)
      expect(afterFirst.length).toBeLessThan(all.length)

      const second = await startWorker(backend)
      const done = async () => {
        const depth = await queue.depth()
        return depth.visible === 0 && depth.inFlight === 0
      }
      await expect.poll(done, { timeout: 30_000 }).toBe(true)
      second.child.kill('SIGTERM')
      expect(await second.exit).toBe(0)

      expect(await listKeys(objects)).toEqual(all.map(keyOf).sort())
      const stored = await Promise.all(
        all.map(async (e) => JSON.parse((await objects.getBuffer(keyOf(e))).body.toString())),
      )
      expect(stored).toEqual(all)
      expect(await dlq.depth()).toEqual({ visible: 0, inFlight: 0 })
      const written = [...first.lines, ...second.lines].filter(
        (l) => l.msg === 'message persisted' && l.outcome === 'written',
      )
      expect(written.length).toBe(all.length)
    } finally {
      await Promise.all([queue.close(), dlq.close(), objects.close()])
      await backend.cleanup()
    }
  }, 60_000)
})
