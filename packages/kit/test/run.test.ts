import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, it } from 'vitest'

type Line = Record<string, unknown>

interface Running {
  child: ChildProcess
  lines: Line[]
  url: string
  waitFor(msg: string | RegExp): Promise<Line>
  exit: Promise<number | null>
}

/** Starts the fixture service and resolves once it logged its listening URL. */
async function start(
  onTestFinished: (fn: () => void) => void,
  env: Record<string, string> = {},
): Promise<Running> {
  const fixture = join(import.meta.dirname, 'fixtures', 'graceful-service.ts')
  const child = spawn(process.execPath, [fixture], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const lines: Line[] = []
  const waiters: { match: (l: Line) => boolean; resolve: (l: Line) => void }[] = []
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    const line = JSON.parse(text) as Line
    lines.push(line)
    for (const w of waiters.filter((w) => w.match(line))) w.resolve(line)
  })
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  const waitFor = (msg: string | RegExp) => {
    const match = (l: Line) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg)))
    const seen = lines.find(match)
    return seen
      ? Promise.resolve(seen)
      : new Promise<Line>((resolve) => waiters.push({ match, resolve }))
  }
  const listening = await waitFor(/^listening on /)
  return { child, lines, url: String(listening.url), waitFor, exit }
}

function messages(lines: Line[]): string[] {
  return lines.map((l) => String(l.msg))
}

// Each test starts a real process: they run concurrently, with generous timeouts so a loaded
// machine does not flake.
describe('runService', { timeout: 30_000, concurrent: true }, () => {
  it('logs the URL it listens on', async ({ expect, onTestFinished }) => {
    const service = await start(onTestFinished)
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect((await fetch(`${service.url}/health`)).status).toBe(200)
  })

  it('drains a request and a loop on SIGTERM, then closes drivers and exits 0', async ({
    expect,
    onTestFinished,
  }) => {
    const service = await start(onTestFinished)
    const pending = fetch(`${service.url}/slow`)
    await service.waitFor('slow request started')
    service.child.kill('SIGTERM')
    const res = await pending
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ done: true })
    expect(await service.exit).toBe(0)
    const sequence = messages(service.lines).filter((m) =>
      ['shutting down', 'loop saw abort', 'loop finished', 'closer ran'].includes(m),
    )
    expect(sequence).toEqual(['shutting down', 'loop saw abort', 'loop finished', 'closer ran'])
    // By the lines' times, not their order on stdout: pino writes stdout asynchronously, and at
    // exit the lines logged after a write still in flight can come out before it.
    const at = (msg: string) => Number(service.lines.find((l) => l.msg === msg)?.time)
    expect(at('request completed')).toBeGreaterThanOrEqual(at('shutting down'))
    expect(at('request completed')).toBeLessThanOrEqual(at('closer ran'))
    const took = at('shutdown complete') - at('shutting down')
    // Without `connection: close` the client's idle keep-alive socket holds close for 72 s.
    expect(took).toBeLessThan(3000)
  })

  it('refuses a request that arrives after close began', async ({ expect, onTestFinished }) => {
    const service = await start(onTestFinished)
    const pending = fetch(`${service.url}/slow`)
    await service.waitFor('slow request started')
    service.child.kill('SIGTERM')
    await service.waitFor('shutting down')
    const late = await fetch(`${service.url}/health`).then(
      (res) => res.status,
      (error: Error) => (error.cause as NodeJS.ErrnoException)?.code ?? error.message,
    )
    expect([503, 'ECONNREFUSED', 'ECONNRESET']).toContain(late)
    expect((await pending).status).toBe(200)
    expect(await service.exit).toBe(0)
  })

  it('shuts down gracefully on SIGINT too', async ({ expect, onTestFinished }) => {
    const service = await start(onTestFinished)
    service.child.kill('SIGINT')
    expect(await service.exit).toBe(0)
    expect(service.lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGINT' })
  })

  it('exits 1 at once on a second signal during shutdown', async ({ expect, onTestFinished }) => {
    const service = await start(onTestFinished, { STUCK: '1', SHUTDOWN_TIMEOUT_MS: '60000' })
    service.child.kill('SIGTERM')
    await service.waitFor('shutting down')
    service.child.kill('SIGINT')
    expect(await service.exit).toBe(1)
    expect(messages(service.lines)).toContain('second signal during shutdown; exiting now')
  })

  it('exits 1 when close outlasts the shutdown timeout', async ({ expect, onTestFinished }) => {
    const service = await start(onTestFinished, { STUCK: '1', SHUTDOWN_TIMEOUT_MS: '300' })
    service.child.kill('SIGTERM')
    expect(await service.exit).toBe(1)
    expect(messages(service.lines)).toContain('shutdown timed out; exiting')
    expect(messages(service.lines)).not.toContain('closer ran')
  })
})
