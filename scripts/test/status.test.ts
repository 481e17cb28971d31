// `pnpm ferry status` as an operator reads it: against `npm start`'s real services, against
// queues holding messages and dead letters, and against SQS queues named as infra/terraform names
// them. Rows that cannot be read say why and leave the rest of the table standing.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { awsClientConfig, openQueue } from '@ferry/cloud'
import { awsTestOptions, createTestQueue, uniqueName } from '@ferry/cloud/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clearinghouseStats, collectStatus } from '../ops/status/collect.ts'
import { renderStatus } from '../ops/status/render.ts'
import { closeQueues, openQueues, serviceUrls } from '../ops/status/sources.ts'
import { resolveTarget, type Target } from '../ops/targets.ts'
import { interrupt, poll, ROOT, type Started, startServices, untilBanner } from './npm-start.ts'

// Ports of their own (start.test.ts uses +700), so the two files can run side by side.
const OFFSET = 760

/**
 * `pnpm ferry status …` as a person types it: `output()` so far, `exited` with the exit code;
 * `child` to signal it.
 */
function spawnStatus(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['scripts/ferry.mjs', 'status', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString()
  })
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString()
  })
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  return { child, output: () => out, exited }
}

/** One `pnpm ferry status …` to its end. */
async function ferryStatus(args: string[], env: Record<string, string>) {
  const run = spawnStatus(args, env)
  const code = await run.exited
  return { code, out: run.output() }
}

/**
 * Reads `target` the way `ferry status` does, its queues opened once (as the command opens them
 * once and redraws): `table()` renders one reading, `close()` closes the queues.
 */
async function openStatus(target: Target, urls: Record<string, string>, token: string) {
  const services = await serviceUrls(target, ROOT, urls)
  const queues = await openQueues(target, {})
  const url = services.find((s) => s.name === 'clearinghouse')?.url
  const countFiles = clearinghouseStats(url, async () => token)
  return {
    table: async () =>
      renderStatus(await collectStatus({ services, queues, countFiles, timeoutMs: 1000 }), 'test'),
    close: () => closeQueues(queues),
  }
}

/** One reading of `target`, rendered. */
async function statusTable(target: Target, urls: Record<string, string>, token: string) {
  const status = await openStatus(target, urls, token)
  try {
    return await status.table()
  } finally {
    await status.close()
  }
}

/** The embedded default on `dataDir` with ports moved by `offset`, as the command resolves it. */
const localTarget = (dataDir: string, offset: number): Target =>
  resolveTarget(undefined, { FERRY_DATA_DIR: dataDir, FERRY_PORT_OFFSET: String(offset) })

/** A port that was free a moment ago: connecting to it is refused. */
async function portNobodyListensOn(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-status-'))
  await chmod(dir, 0o755) // as root, PostgreSQL runs as another user, which must enter it
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('ferry status arguments', () => {
  it('exits 2 naming the environments when --env names none of them', async () => {
    const { code, out } = await ferryStatus(['--once', '--env', 'staging'], {})
    expect(code).toBe(2)
    expect(out).toContain('ferry status: --env must be dev or prod, not "staging"')
  })
})

describe('ferry status against npm start', () => {
  const dataDir = () => join(dir, 'data')
  const local = () => localTarget(dataDir(), OFFSET)
  let started: Started

  beforeAll(async () => {
    started = startServices(dataDir(), OFFSET)
    await untilBanner(started)
  }, 120_000)
  afterAll(async () => {
    if (started.child.exitCode === null) await interrupt(started)
  }, 60_000)

  it('prints every service ready, the dead letters of ingest and the files loaded, exiting 0', async () => {
    const dead = openQueue(`file://${join(dataDir(), 'queues', 'ingest', 'dead-letter')}`)
    await dead.send([
      { id: 'a', body: '{"poison":1}' },
      { id: 'b', body: '{"poison":2}' },
    ])
    await dead.close()
    const incoming = join(dataDir(), 'buckets', 'raw', 'incoming')
    await mkdir(incoming, { recursive: true })
    await writeFile(join(incoming, 'orders.json'), JSON.stringify([{ id: 1 }, { id: 2 }]))

    const env = { FERRY_DATA_DIR: dataDir(), FERRY_PORT_OFFSET: String(OFFSET) }
    const { code, out } = await poll(async () => {
      const run = await ferryStatus(['--once'], env)
      return /^\s+0\s+0\s+1\s+0\s+1\s+2$/m.test(run.out) ? run : undefined
    }, 60_000)
    expect(out).toMatch(/^SERVICE\s+READY\s+URL\s+CHECKS$/m)
    for (const [name, port] of [
      ['api', 3760],
      ['ingest-api', 3761],
      ['worker', 3762],
      ['clearinghouse', 3763],
    ] as const) {
      expect(out).toMatch(
        new RegExp(`^${name}\\s+ready\\s+http://127\\.0\\.0\\.1:${port}\\s+.+ ok$`, 'm'),
      )
    }
    expect(out).toMatch(/^clearinghouse\s+ready\s+\S+\s+database, bucket, poll ok$/m)
    expect(out).toMatch(/^ingest\s+0\s+0\s+2$/m)
    expect(out).toMatch(/^events\s+0\s+0\s+0$/m)
    expect(out).toMatch(/^FILES\s+pending\s+processing\s+COMPLETED\s+FAILED\s+total\s+records$/m)
    expect(code).toBe(0)
  }, 90_000)

  it('says the operator token was refused on the files row and still shows the rest', async () => {
    const table = await statusTable(local(), {}, 'not-the-token')
    expect(table).toMatch(/^FILES {2}\? \(HTTP 401: the operator token was refused\)$/m)
    expect(table).toMatch(/^api\s+ready\s/m)
    expect(table).toMatch(/^ingest\s+\d+\s+\d+\s+2$/m)
  })

  it('redraws the table every 2 s with --watch and exits 0 on Ctrl-C', async () => {
    const env = { FERRY_DATA_DIR: dataDir(), FERRY_PORT_OFFSET: String(OFFSET) }
    const run = spawnStatus(['--watch'], env)
    const redraws = () => run.output().split('\x1b[H\x1b[2J').length - 1
    try {
      await poll(async () => (redraws() >= 3 ? true : undefined), 60_000)
    } finally {
      run.child.kill('SIGINT')
    }
    expect(await run.exited).toBe(0)
    const last = run.output().split('\x1b[H\x1b[2J').at(-1) ?? ''
    expect(last).toMatch(/^api\s+ready\s/m)
    expect(last).toContain('Redrawn every 2 s; Ctrl-C stops.')
  }, 90_000)

  it('names an unreachable service and one that does not answer in time, within the bound', async () => {
    const closedPort = await portNobodyListensOn()
    const silent: Socket[] = []
    const server: Server = createServer((socket) => silent.push(socket))
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as { port: number }
    try {
      const startedAt = Date.now()
      const table = await statusTable(
        local(),
        { worker: `http://127.0.0.1:${port}`, clearinghouse: `http://127.0.0.1:${closedPort}` },
        'x',
      )
      expect(Date.now() - startedAt).toBeLessThan(5000)
      expect(table).toMatch(/^worker\s+unknown\s+\S+\s+timeout after 1 s$/m)
      expect(table).toMatch(
        new RegExp(
          `^clearinghouse\\s+unknown\\s+\\S+:${closedPort}\\s+unreachable \\(ECONNREFUSED\\)$`,
          'm',
        ),
      )
      expect(table).toMatch(/^FILES {2}\? \(unreachable \(ECONNREFUSED\)\)$/m)
      expect(table).toMatch(/^api\s+ready\s/m)
    } finally {
      for (const socket of silent) socket.destroy()
      await new Promise<void>((done) => server.close(() => done()))
    }
  })

  // Last: the api's events loop ends on the error, and the api stays not ready until restarted.
  it('shows a service not ready with the check that fails, once its queue directory is gone', async () => {
    const messages = join(dataDir(), 'queues', 'events', 'messages')
    const status = await openStatus(local(), {}, 'x')
    await status.table()
    await rename(messages, `${messages}.away`)
    try {
      const table = await poll(async () => {
        const t = await status.table()
        return /^api\s+not ready/m.test(t) ? t : undefined
      }, 20_000)
      expect(table).toMatch(/^api\s+not ready\s+http:\/\/127\.0\.0\.1:3760\s+\S+: .*ENOENT/m)
      expect(table).toMatch(/^ingest-api\s+ready\s/m)
      // The status reads the queue without making its directory again.
      expect(table).toMatch(/^events\s+\?\s+\?\s+\d+\s+.*ENOENT/m)
    } finally {
      await status.close()
      await rename(`${messages}.away`, messages)
    }
  }, 60_000)
})

describe('ferry status on local queues', () => {
  it('counts visible, in-flight and dead-lettered messages per queue', async () => {
    const dataDir = join(dir, 'queues-only')
    const ingest = openQueue(`file://${join(dataDir, 'queues', 'ingest')}`)
    const dead = openQueue(`file://${join(dataDir, 'queues', 'ingest', 'dead-letter')}`)
    const events = openQueue(`file://${join(dataDir, 'queues', 'events')}`)
    await ingest.send(['1', '2', '3'].map((id) => ({ id, body: id })))
    expect(await ingest.receive({ maxMessages: 1, waitSeconds: 0 })).toHaveLength(1)
    await dead.send([{ id: 'd', body: 'dead' }])
    await events.send([{ id: 'e', body: 'event' }])
    await Promise.all([ingest.close(), dead.close(), events.close()])

    const table = await statusTable(localTarget(dataDir, 900), {}, 'x')
    expect(table).toMatch(/^QUEUE\s+VISIBLE\s+IN FLIGHT\s+DLQ\s+NOTE$/m)
    expect(table).toMatch(/^ingest\s+2\s+1\s+1$/m)
    expect(table).toMatch(/^events\s+1\s+0\s+0$/m)
  })

  it('says a queue directory is missing instead of creating it', async () => {
    const dataDir = join(dir, 'nothing-here')
    const table = await statusTable(localTarget(dataDir, 900), {}, 'x')
    expect(table).toContain(`no queue at ${join(dataDir, 'queues', 'ingest')}`)
    expect(existsSync(dataDir)).toBe(false)
  })
})

const emulator = awsTestOptions()
describe.runIf(emulator)('ferry status against SQS (moto)', () => {
  const aws = emulator ?? {}
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it("reads queues by their terraform names or an override, naming a missing one, and the api's URL from SSM", async () => {
    const env = uniqueName('st')
    const named = await createTestQueue(aws, { name: `ferry-${env}-ingest`, maxReceiveCount: 5 })
    cleanups.push(() => named.cleanup())
    const ingest = openQueue(named.url, { aws })
    const dead = openQueue(named.dlqUrl ?? '', { aws })
    await ingest.send(['1', '2', '3'].map((id) => ({ id, body: id })))
    expect(await ingest.receive({ maxMessages: 1, waitSeconds: 0 })).toHaveLength(1)
    await dead.send([{ id: 'd', body: 'dead' }])
    await Promise.all([ingest.close(), dead.close()])
    const events = await createTestQueue(aws, { maxReceiveCount: 5 })
    cleanups.push(() => events.cleanup())
    // The api's URL is the load balancer's, which CD keeps in SSM; nothing listens there now.
    const ssm = new SSMClient(awsClientConfig(aws))
    const baseUrl = `http://127.0.0.1:${await portNobodyListensOn()}`
    const parameter = `/ferry/${env}/deploy/base-url`
    await ssm.send(new PutParameterCommand({ Name: parameter, Value: baseUrl, Type: 'String' }))
    cleanups.push(async () => {
      await ssm.send(new DeleteParameterCommand({ Name: parameter }))
      ssm.destroy()
    })
    const overrides = {
      FERRY_EVENTS_QUEUE_URL: events.url,
      FERRY_EVENTS_DLQ_URL: events.dlqUrl ?? '',
    }

    const target: Target = { kind: 'aws', env, aws: { ...aws, maxAttempts: 1 } }
    const queues = await openQueues(target, overrides)
    try {
      const data = await collectStatus({
        services: await serviceUrls(target, ROOT, {}),
        queues,
        countFiles: clearinghouseStats(undefined, async () => undefined),
      })
      const table = renderStatus(data, 'AWS test')
      expect(table).toMatch(/^ingest\s+2\s+1\s+1$/m)
      expect(table).toMatch(/^events\s+0\s+0\s+0$/m)
      expect(table).toMatch(
        new RegExp(
          `^s3-events\\s+\\?\\s+\\?\\s+\\?\\s+no queue named ferry-${env}-clearinghouse-objects$`,
          'm',
        ),
      )
      expect(table).toContain(`api            unknown  ${baseUrl}  unreachable (ECONNREFUSED)`)
      expect(table).toMatch(/^worker\s+unknown\s+-\s+no url \(--url worker=http:\/\/…\)$/m)
      expect(table).toMatch(
        /^FILES {2}\? \(no clearinghouse url \(--url clearinghouse=http:\/\/…\)\)$/m,
      )
    } finally {
      await closeQueues(queues)
    }
  })
})
