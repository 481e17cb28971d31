import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runBulk } from '../bulk-ingest/run.ts'
import { fromFile, generated } from '../bulk-ingest/source.ts'

const SCRIPT = join(import.meta.dirname, '..', 'bulk-ingest.ts')

interface Seen {
  key: string
  authorization?: string
  data: unknown
}

/** A stand-in ingest endpoint whose answer per request the test decides. */
function fakeIngest(answer: (seen: Seen, attempt: number) => number) {
  const seen: Seen[] = []
  const attempts = new Map<string, number>()
  let inFlight = 0
  let maxInFlight = 0
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    let body = ''
    for await (const chunk of req) body += chunk
    const key = String(req.headers['idempotency-key'])
    const attempt = (attempts.get(key) ?? 0) + 1
    attempts.set(key, attempt)
    const entry = { key, authorization: req.headers.authorization, data: JSON.parse(body).data }
    seen.push(entry)
    await new Promise((r) => setTimeout(r, 5))
    const status = answer(entry, attempt)
    inFlight--
    res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' })
    res.end(
      JSON.stringify(status === 200 ? { status: 'accepted' } : { detail: `status ${status}` }),
    )
  })
  return {
    seen,
    attempts,
    maxInFlight: () => maxInFlight,
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    },
    stop: () => new Promise((r) => server.close(r)),
  }
}

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulk-ingest-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('bulk-ingest against a stand-in endpoint', () => {
  let fake: ReturnType<typeof fakeIngest>
  let url: string
  let status: (seen: Seen, attempt: number) => number
  beforeEach(async () => {
    status = () => 200
    fake = fakeIngest((s, a) => status(s, a))
    url = await fake.start()
    return () => fake.stop()
  })

  it('retries 503 and 429 with the same Idempotency-Key until accepted', async () => {
    status = (_, attempt) => (attempt === 1 ? 503 : attempt === 2 ? 429 : 200)
    const summary = await runBulk(generated(5), {
      url,
      token: 't',
      timeoutMs: 2000,
      retries: 5,
      concurrency: 2,
      backoffMs: 1,
    })
    expect(summary).toMatchObject({ sent: 5, failed: 0, byStatus: { '200': 5 } })
    expect([...fake.attempts.values()]).toEqual([3, 3, 3, 3, 3])
    expect(new Set(fake.seen.map((s) => s.key)).size).toBe(5)
  })

  it('does not retry a 4xx other than 429, and writes the failed records to --failed', async () => {
    status = (s) => ((s.data as { email_subject: string }).email_subject.endsWith(' 3') ? 422 : 200)
    const failedPath = join(dir, 'failed.jsonl')
    const summary = await runBulk(generated(6), {
      url,
      token: 't',
      timeoutMs: 2000,
      retries: 5,
      concurrency: 3,
      failedPath,
      backoffMs: 1,
    })
    expect(summary.byStatus).toEqual({ '200': 5, '422': 1 })
    expect(fake.seen).toHaveLength(6)
    const lines = (await readFile(failedPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      index: 3,
      status: 422,
      detail: 'status 422',
      data: { email_subject: 'Synthetic email 3' },
    })
  })

  it('keeps at most --concurrency requests in flight', async () => {
    await runBulk(generated(40), { url, token: 't', timeoutMs: 2000, retries: 0, concurrency: 4 })
    expect(fake.maxInFlight()).toBeLessThanOrEqual(4)
    expect(fake.seen).toHaveLength(40)
  })

  it('spaces requests to honour --rate', async () => {
    const started = performance.now()
    await runBulk(generated(11), {
      url,
      token: 't',
      timeoutMs: 2000,
      retries: 0,
      concurrency: 8,
      rate: 20,
    })
    expect(performance.now() - started).toBeGreaterThanOrEqual(450)
  })

  it('sends the token as a Bearer header', async () => {
    await runBulk(generated(1), {
      url,
      token: 'secret-t',
      timeoutMs: 2000,
      retries: 0,
      concurrency: 1,
    })
    expect(fake.seen[0]?.authorization).toBe('Bearer secret-t')
  })

  it('streams a JSONL file and reads a JSON array file, with stable keys per record', async () => {
    const jsonl = join(dir, 'in.jsonl')
    await writeFile(jsonl, `${[1, 2, 3].map((n) => JSON.stringify({ n })).join('\n')}\n\n`)
    const array = join(dir, 'in.json')
    await writeFile(array, JSON.stringify([{ n: 1 }, { n: 2 }]))
    const collect = async (it: AsyncIterable<{ data: unknown; key: string }>) => {
      const out = []
      for await (const item of it) out.push(item)
      return out
    }
    const lines = await collect(fromFile(jsonl))
    expect(lines.map((i) => i.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
    expect((await collect(fromFile(jsonl))).map((i) => i.key)).toEqual(lines.map((i) => i.key))
    expect((await collect(fromFile(array))).map((i) => i.data)).toEqual([{ n: 1 }, { n: 2 }])
  })

  it('exits non-zero and prints a summary when a record finally failed', async () => {
    status = () => 500
    const result = await cli(['--', '--generate', '2', '--url', url, '--retries', '1', '--plain'], {
      INGEST_TOKEN: 't',
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('500: 2')
    expect(result.stdout).toMatch(/latency ms: p50 [\d.]+ {2}p95 [\d.]+ {2}p99 [\d.]+/)
  })

  it('refuses to run without a token', async () => {
    const result = await cli(['--generate', '1', '--url', url], { INGEST_TOKEN: '' })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('no token')
  })
})
