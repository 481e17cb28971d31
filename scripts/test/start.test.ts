// `npm start` as a person meets it: all four services on the embedded default, ready before the
// banner, data kept across starts, a failed start named, Ctrl-C stopping everything.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { interrupt, poll, type Started, startServices, untilBanner } from './npm-start.ts'

// Ports of their own, so a developer's own `npm start` on 3000–3003 does not collide.
const OFFSET = 700
const port = { api: 3700, ingest: 3701, worker: 3702, clearinghouse: 3703 }

/** Starts `npm start` on `dataDir` on this file's ports. */
const start = (dataDir: string): Started => startServices(dataDir, OFFSET)

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function postgresPid(dataDir: string): Promise<number> {
  const pidFile = await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')
  return Number(pidFile.split('\n')[0])
}

async function findFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes('/.ferry/'))
    .map((e) => join(e.parentPath, e.name))
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-start-'))
  await chmod(dir, 0o755) // as root, PostgreSQL runs as another user, which must enter it
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('npm start', () => {
  const dataDir = () => join(dir, 'data')
  let first: Started

  beforeAll(async () => {
    first = start(dataDir())
    await untilBanner(first)
  }, 120_000)
  afterAll(async () => {
    if (first.child.exitCode === null) await interrupt(first)
  })

  it('prints the banner only once every service answers /ready', async () => {
    const banner = first.output().slice(first.output().indexOf('ferry: all 4 services ready'))
    for (const p of Object.values(port)) expect(banner).toContain(`http://127.0.0.1:${p}`)
    for (const p of Object.values(port)) {
      expect((await fetch(`http://127.0.0.1:${p}/ready`)).status).toBe(200)
    }
  })

  it('carries a POST /ingest through the worker to a plain JSON file in the payloads bucket', async () => {
    const token = (await readFile(join(dataDir(), 'secrets', 'ingest-token'), 'utf8')).trim()
    const data = {
      email_subject: 'Hi',
      email_sender: 'a@example.com',
      email_content: 'Hello',
      email_timestream: 1700000000,
    }
    const reply = await fetch(`http://127.0.0.1:${port.ingest}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ data }),
    })
    expect(reply.status).toBe(200)
    const { message_id } = (await reply.json()) as { message_id: string }
    const bucket = join(dataDir(), 'buckets', 'payloads')
    const file = await poll(async () =>
      (await findFiles(bucket)).find((f) => f.endsWith(`${message_id}.json`)),
    )
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ message_id, data })
  })

  it('loads a file copied into the raw bucket directory into the clearinghouse database', async () => {
    const incoming = join(dataDir(), 'buckets', 'raw', 'incoming')
    await mkdir(incoming, { recursive: true })
    await writeFile(join(incoming, 'orders.json'), JSON.stringify([{ id: 1 }, { id: 2 }]))
    const token = (await readFile(join(dataDir(), 'secrets', 'operator-token'), 'utf8')).trim()
    const url = `http://127.0.0.1:${port.clearinghouse}/files?status=COMPLETED`
    expect((await fetch(url)).status).toBe(401)
    const file = await poll(async () => {
      const reply = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
      const { files } = (await reply.json()) as {
        files: { s3_key: string; record_count: number }[]
      }
      return files.find((f) => f.s3_key === 'incoming/orders.json')
    })
    expect(file.record_count).toBe(2)
  })

  it('stops the services and then PostgreSQL on Ctrl-C, exiting 0', async () => {
    const pg = await postgresPid(dataDir())
    expect(alive(pg)).toBe(true)
    expect(await interrupt(first)).toBe(0)
    await poll(async () => (alive(pg) ? undefined : true), 15_000)
    expect(first.output()).toContain('stopping the services, then PostgreSQL')
  }, 60_000)

  it('reuses the data on the next start: the api still has the user stored before', async () => {
    const token = (await readFile(join(dataDir(), 'secrets', 'api-user-token'), 'utf8')).trim()
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const again = start(dataDir())
    try {
      await untilBanner(again)
      const created = await fetch(`http://127.0.0.1:${port.api}/users/personal`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ user_id: 'dev-user', name: 'Dev User', email: 'dev@example.com' }),
      })
      expect(created.status).toBe(201)
      expect(await interrupt(again)).toBe(0)
      const third = start(dataDir())
      try {
        await untilBanner(third)
        const read = await fetch(`http://127.0.0.1:${port.api}/users/dev-user`, { headers })
        expect(read.status).toBe(200)
        expect(await read.json()).toMatchObject({ personal: { name: 'Dev User' } })
      } finally {
        await interrupt(third)
      }
    } finally {
      if (again.child.exitCode === null) await interrupt(again)
    }
  }, 180_000)
})

describe('npm start when a service cannot start', () => {
  let blocker: Server

  beforeAll(async () => {
    blocker = createServer()
    await new Promise<void>((done) => blocker.listen(port.worker, '127.0.0.1', done))
  })
  afterAll(() => new Promise<void>((done) => blocker.close(() => done())))

  it('names the service with its last log lines, prints no banner and exits 1', async () => {
    const dataDir = join(dir, 'blocked')
    const started = start(dataDir)
    expect(await started.exited).toBe(1)
    expect(started.output()).toMatch(
      /ferry: worker failed to start \(code \d+\)\. Its last log lines:/,
    )
    expect(started.output()).toContain('EADDRINUSE')
    expect(started.output()).not.toContain('services ready')
    // PostgreSQL removes its pid file when it has shut down cleanly.
    await expect(postgresPid(dataDir)).rejects.toThrow(/ENOENT/)
  }, 120_000)
})

describe('npm start when it loses its terminal or the shell npm runs it in', () => {
  let started: Started | undefined
  afterEach(async () => {
    // Whatever a failed assertion left running: the whole group, as a Ctrl-C would.
    if (!started?.child.pid) return
    try {
      process.kill(-started.child.pid, 'SIGINT')
    } catch {}
    await new Promise((r) => setTimeout(r, 3000))
  })

  it('stops the services and PostgreSQL when SIGTERM reaches only the shell npm ran it in', async () => {
    // npm forwards a SIGTERM to its script's shell, which dies without passing it on: the
    // node process running start.ts is left with no parent and no signal.
    const dataDir = join(dir, 'orphaned')
    started = startServices(dataDir, OFFSET, { viaShell: true })
    await untilBanner(started)
    const pg = await postgresPid(dataDir)
    process.kill(started.child.pid ?? 0, 'SIGTERM')
    await started.exited
    await poll(async () => (alive(pg) ? undefined : true), 30_000)
    await poll(async () =>
      (await fetch(`http://127.0.0.1:${port.worker}/health`).then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    )
    expect(started.output()).toContain('stopping the services, then PostgreSQL')
  }, 120_000)

  it('stops PostgreSQL when the terminal closes (SIGHUP to the whole group)', async () => {
    const dataDir = join(dir, 'hangup')
    started = startServices(dataDir, OFFSET)
    await untilBanner(started)
    const pg = await postgresPid(dataDir)
    process.kill(-(started.child.pid ?? 0), 'SIGHUP')
    await started.exited
    await poll(async () => (alive(pg) ? undefined : true), 30_000)
  }, 120_000)
})
