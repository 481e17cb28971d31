import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { openTestResources, type TestResources } from '@ferry/cloud/testing'
import { createTestDatabase, freePort, type TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ADMIN, MIGRATIONS, SECRET, tokenFor } from './helpers.ts'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const SHUTDOWN_BUDGET_MS = 15_000

let db: TestDatabase
let resources: TestResources | undefined
let child: ChildProcess
let base: string
let output = ''

beforeAll(async () => {
  db = await createTestDatabase({ migrations: MIGRATIONS })
  resources = await openTestResources('local')
  const queue = await resources.queue()
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      JWT_SECRET: SECRET,
      S3_BUCKET_NAME: await resources.bucket('documents'),
      SQS_QUEUE_URL: queue.url,
      SNS_TOPIC_ARN: await resources.topic([queue.url]),
      FILES_BUCKET: await resources.bucket('files'),
      PUBLIC_URL: base,
      PRESIGN_SECRET: randomBytes(32).toString('hex'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  await vi.waitFor(
    () => {
      if (!output.includes('listening on')) throw new Error(`no start:\n${output}`)
    },
    { timeout: 30_000 },
  )
})

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  await db?.cleanup()
  await resources?.cleanup()
})

const user = 'shutdown-user'
const auth = { authorization: `Bearer ${tokenFor(user)}` }
const json = { 'content-type': 'application/json' }

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/** Opens a connection, sends headers announcing a body, and trickles a byte now and then. */
function trickle(path: string): { stop(): void } {
  const socket = connect(Number(new URL(base).port), '127.0.0.1')
  socket.on('error', () => {})
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
  )
  const timer = setInterval(() => socket.write(' '), 500)
  return {
    stop() {
      clearInterval(timer)
    },
  }
}

function multipart(filename: string, content: string): { body: string; type: string } {
  return {
    body:
      `--XX\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: text/html\r\n\r\n${content}\r\n--XX--\r\n`,
    type: 'multipart/form-data; boundary=XX',
  }
}

async function probe(): Promise<number[]> {
  const statuses: number[] = []
  const send = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init).catch(() => undefined)
    if (res) {
      statuses.push(res.status)
      await res.arrayBuffer().catch(() => undefined)
    }
  }
  const admin = { authorization: `Bearer ${ADMIN}`, ...json }
  await send('/s3/upload', {
    method: 'POST',
    headers: admin,
    body: `{"key":"deep.json","content":${nested(10_000)}}`,
  })
  await send('/users/personal', {
    method: 'POST',
    headers: { ...auth, ...json },
    body: JSON.stringify({ user_id: user, name: 'a\u0000b', email: 'a@example.com' }),
  })
  await send('/files/upload', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'multipart/form-data; boundary=XX' },
    body: 'garbage',
  })
  const long = multipart(`${'a'.repeat(256)}.txt`, 'x')
  await send('/files/upload', {
    method: 'POST',
    headers: { ...auth, 'content-type': long.type },
    body: long.body,
  })
  await send('/users/%ZZ', { headers: auth })
  const page = multipart('page.html', '<p>hi</p>'.repeat(100_000))
  await send('/files/upload', {
    method: 'POST',
    headers: { ...auth, 'content-type': page.type },
    body: page.body,
  })
  const presigned = await fetch(`${base}/files/presigned-url/page.html`, { headers: auth })
  const { url } = (await presigned.json()) as { url: string }
  await send(new URL(url).pathname + new URL(url).search)
  // A presigned GET whose reader stops after the first bytes and keeps the connection.
  const partial = await fetch(url)
  await partial.body?.getReader().read()
  return statuses
}

// Before the kit cut the connections left open, each of the trickled body and the stalled
// presigned download alone kept app.close() waiting until the 10 s timer exited with 1.
describe('shutdown after a round of hostile probes', () => {
  it('exits 0 within its timeout on SIGTERM, with a body trickling and a download stalled', async () => {
    const trickled = trickle('/users/personal')
    const statuses = await probe()
    expect(
      statuses.filter((s) => s >= 500),
      `${statuses}\n${output.slice(-2000)}`,
    ).toEqual([])
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    )
    const started = Date.now()
    child.kill('SIGTERM')
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), SHUTDOWN_BUDGET_MS)),
    ])
    trickled.stop()
    const tookMs = Date.now() - started
    expect(code, output.slice(-3000)).toBe(0)
    expect(tookMs).toBeLessThan(SHUTDOWN_BUDGET_MS)
  }, 60_000)
})
