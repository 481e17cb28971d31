// `pnpm ferry dlq` as an operator meets it, on the embedded default's .data/ and on SQS (moto).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openQueue, type Queue } from '@ferry/cloud'
import {
  awsTestOptions,
  createTestQueue,
  emulateMessageMoveTasks,
  type TestQueue,
} from '@ferry/cloud/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Io, main } from '../ops/dlq.ts'

/** Runs the command with `env`, capturing what it prints. */
async function ferryDlq(args: string[], env: Record<string, string | undefined>) {
  let out = ''
  let err = ''
  const io: Io = {
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
    env,
    tty: false,
    pollMs: 20,
  }
  const code = await main(args, io)
  return { code, out, err }
}

/** Sends `count` messages straight into `dlq`, as failed deliveries would land there. */
async function deadLetters(dlq: Queue, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let start = 0; start < count; start += 10) {
    const batch = Array.from({ length: Math.min(10, count - start) }, (_, j) => ({
      id: `${start + j}`,
      body: `{"n":${start + j}}`,
      attributes: { attempt: `${start + j}` },
    }))
    ids.push(...(await dlq.send(batch)).successful.map((s) => s.messageId))
  }
  return ids
}

describe('ferry dlq on the embedded default', () => {
  let dataDir: string
  let env: Record<string, string>
  let ingest: Queue
  let dlq: Queue
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ferry-dlq-'))
    env = { FERRY_DATA_DIR: dataDir }
    ingest = openQueue(`file://${join(dataDir, 'queues/ingest')}`)
    dlq = openQueue(`file://${join(dataDir, 'queues/ingest/dead-letter')}`)
  })
  afterEach(async () => {
    await Promise.all([ingest.close(), dlq.close()])
    await rm(dataDir, { recursive: true, force: true })
  })

  it('lists each queue with its dead-letter depth and oldest age, s3-events as AWS only', async () => {
    await deadLetters(dlq, 2)
    const { code, out } = await ferryDlq(['list'], env)
    expect(code).toBe(0)
    const lines = out.trim().split('\n')
    expect(lines[0]).toMatch(/^QUEUE\s+DLQ DEPTH\s+IN FLIGHT\s+OLDEST$/)
    expect(lines[1]).toMatch(/^ingest\s+2\s+0\s+\d+s$/)
    expect(lines[2]).toMatch(/^events\s+0\s+0\s+-$/)
    expect(lines[3]).toMatch(/^s3-events\s+-\s+-\s+only on AWS/)
  })

  it('peeks at dead letters with their attributes and body, and leaves them', async () => {
    const ids = await deadLetters(dlq, 3)
    const { code, out } = await ferryDlq(['peek', '--queue', 'ingest', '--max', '2'], env)
    expect(code).toBe(0)
    expect(out).toContain(`${ids[0]}  received 0×`)
    expect(out).toContain('attributes: attempt=0')
    expect(out).toContain('{"n":1}')
    expect(out).not.toContain(ids[2])
    expect((await ferryDlq(['list', '--queue', 'ingest'], env)).out).toMatch(/ingest\s+3/)
  })

  it('redrives the selected ids, which the queue then delivers afresh', async () => {
    const [first, second] = await deadLetters(dlq, 2)
    const { code, out } = await ferryDlq(['redrive', '-q', 'ingest', '--ids', `${first}`], env)
    expect(code).toBe(0)
    expect(out).toBe(`moved 1 back to ingest: ${first}\n`)
    const [back] = await ingest.receive({ waitSeconds: 1 })
    expect(back).toMatchObject({ messageId: first, body: '{"n":0}', receiveCount: 1 })
    expect((await ferryDlq(['peek', '-q', 'ingest'], env)).out).toContain(`${second}`)
  })

  it('redrives everything and says how many it moved', async () => {
    await deadLetters(dlq, 3)
    const { code, out } = await ferryDlq(['redrive', '--queue', 'ingest'], env)
    expect(code).toBe(0)
    expect(out).toMatch(/^moved 3 back to ingest: /)
    expect(await ingest.receive({ waitSeconds: 1 })).toHaveLength(3)
  })

  it('exits 1 naming the ids that are not dead letters', async () => {
    const { code, err } = await ferryDlq(['redrive', '--queue', 'ingest', '--ids', 'x,y'], env)
    expect(code).toBe(1)
    expect(err).toBe('not in the dead-letter queue: x, y\n')
  })

  it('exits 2 with a clear message for bad arguments', async () => {
    const cases: [string[], RegExp][] = [
      [['purge'], /unknown command purge/],
      [[], /name a command/],
      [['peek'], /peek needs --queue/],
      [['peek', '--queue', 'orders'], /unknown queue "orders": use ingest, events, s3-events/],
      [['peek', '--queue', 'ingest', '--max', '0'], /--max must be a whole number from 1 to 100/],
      [['list', '--env', 'staging'], /--env must be dev or prod, not "staging"/],
      [['list', '--force'], /Unknown option '--force'/],
      [['redrive', '--queue', 'ingest', '--ids', ','], /--ids needs at least one message id/],
      [['peek', '--queue', 's3-events'], /s3-events exists only on AWS/],
    ]
    for (const [args, message] of cases) {
      const { code, err } = await ferryDlq(args, env)
      expect({ args, code }).toEqual({ args, code: 2 })
      expect(err).toMatch(message)
      expect(err).toContain('usage: pnpm ferry dlq')
    }
  })
})

const aws = awsTestOptions()
describe.runIf(aws)('ferry dlq on SQS (moto)', () => {
  const options = aws ?? {}
  let moveTasks: ReturnType<typeof emulateMessageMoveTasks>
  let created: TestQueue
  let ingest: Queue
  let dlq: Queue
  let env: Record<string, string | undefined>
  beforeAll(() => {
    // moto has no message move tasks: this stand-in answers those two calls through moto.
    moveTasks = emulateMessageMoveTasks({ batchDelayMs: 50 })
  })
  afterAll(() => moveTasks.restore())
  beforeEach(async () => {
    created = await createTestQueue(options, { maxReceiveCount: 3 })
    ingest = openQueue(created.url, { aws: options })
    dlq = openQueue(created.dlqUrl ?? '', { aws: options })
    env = {
      FERRY_INGEST_QUEUE_URL: created.url,
      AWS_ENDPOINT_URL: options.endpoint,
      AWS_REGION: options.region,
    }
  })
  afterEach(async () => {
    await moveTasks.idle()
    await Promise.all([ingest.close(), dlq.close()])
    await created.cleanup()
  })

  it('lists the dead-letter depth of the queue the environment names', async () => {
    await deadLetters(dlq, 2)
    const { code, out } = await ferryDlq(['list', '--env', 'dev', '--queue', 'ingest'], env)
    expect(code).toBe(0)
    expect(out).toMatch(/\ningest\s+2\s+0\s+\d+s\n$/)
  })

  it('peeks at dead letters and leaves them in the dead-letter queue', async () => {
    const ids = await deadLetters(dlq, 2)
    const { code, out } = await ferryDlq(['peek', '--env', 'dev', '--queue', 'ingest'], env)
    expect(code).toBe(0)
    for (const id of ids) expect(out).toContain(id)
    expect(out).toContain('attributes: attempt=1')
    const again = await ferryDlq(['peek', '--env', 'dev', '--queue', 'ingest'], env)
    for (const id of ids) expect(again.out).toContain(id)
  })

  it('redrives everything, showing progress until the move task completes', async () => {
    await deadLetters(dlq, 25)
    const { code, out } = await ferryDlq(['redrive', '--env', 'prod', '--queue', 'ingest'], env)
    expect(code).toBe(0)
    const lines = out.trim().split('\n')
    expect(lines[0]).toBe('moving the dead letters back to ingest…')
    expect(lines.at(-1)).toMatch(/^\[#{30}\] 100% {2}25\/25 {2}COMPLETED$/)
    expect(lines.some((l) => / RUNNING$/.test(l))).toBe(true)
    const back: string[] = []
    for (let i = 0; i < 10 && back.length < 25; i++) {
      const got = await ingest.receive({ waitSeconds: 1 })
      back.push(...got.map((m) => m.body))
    }
    expect(back).toHaveLength(25)
  })

  it('redrives the selected ids and leaves the others', async () => {
    const [first, second] = await deadLetters(dlq, 2)
    const args = ['redrive', '--env', 'dev', '--queue', 'ingest', '--ids', `${first}`]
    const { code, out } = await ferryDlq(args, env)
    expect(code).toBe(0)
    expect(out).toMatch(/^moved 1 back to ingest: /)
    const [back] = await ingest.receive({ waitSeconds: 1 })
    expect(back?.body).toBe('{"n":0}')
    const left = await ferryDlq(['peek', '--env', 'dev', '--queue', 'ingest'], env)
    expect(left.out).toContain(`${second}`)
    expect(left.out).not.toContain(`${first}`)
  })

  it('lists every queue, marking those that do not exist, and exits 1 naming them', async () => {
    await deadLetters(dlq, 1)
    const { code, out, err } = await ferryDlq(['list', '--env', 'dev'], env)
    expect(code).toBe(1)
    expect(out).toMatch(/\ningest\s+1\s+0\s+\d+s\n/)
    expect(out).toMatch(/\nevents\s+\?\s+\?\s+not found\n/)
    expect(out).toMatch(/\ns3-events\s+\?\s+\?\s+not found\n/)
    expect(err).toMatch(/events: GetQueueUrl ferry-dev-events: QueueDoesNotExist/)
    expect(err).toMatch(/s3-events: GetQueueUrl ferry-dev-clearinghouse-objects/)
  })
})
