// The service processes `npm start` runs: spawning with their output relayed as one readable
// line per log entry, waiting until all are ready, and stopping them.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
const KEPT_LINES = 15

export interface Service {
  name: string
  port: number
  notes: string[]
  child: ChildProcess
  /** Resolves when the process has exited. */
  exited: Promise<void>
  /** How it exited: `code 1` or `signal SIGKILL`. */
  exitStatus(): string
  /** Its last log lines, as relayed, for a message about why it stopped. */
  lastLines(): string
}

export interface ServiceSpec {
  name: string
  dir: string
  port: number
  env: Record<string, string>
  notes: string[]
}

/** One pino JSON line as `LEVEL message (req=… error)`; any other line as it is. */
function readable(line: string): string {
  try {
    const entry = JSON.parse(line) as {
      level?: number
      msg?: string
      reqId?: string
      err?: { message?: string }
    }
    const level = LEVELS[entry.level ?? 30] ?? 'INFO'
    const extra = [entry.reqId && `req=${entry.reqId}`, entry.err?.message]
      .filter(Boolean)
      .join(' ')
    return `${level} ${entry.msg ?? ''}${extra ? ` (${extra})` : ''}`
  } catch {
    return line
  }
}

export function spawnService(spec: ServiceSpec): Service {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: spec.dir,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(spec.port),
      LOG_LEVEL: 'info',
      ...spec.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const kept: string[] = []
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    createInterface({ input: stream }).on('line', (line) => {
      const text = `[${spec.name}] ${readable(line)}`
      kept.push(text)
      if (kept.length > KEPT_LINES) kept.shift()
      out.write(`${text}\n`)
    })
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  return {
    name: spec.name,
    port: spec.port,
    notes: spec.notes,
    child,
    exited,
    exitStatus: () =>
      child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode ?? '?'}`,
    lastLines: () => (kept.length ? kept.map((l) => `  ${l}`).join('\n') : '  (no output)'),
  }
}

async function isReady(port: number): Promise<boolean> {
  try {
    const reply = await fetch(`http://127.0.0.1:${port}/ready`, {
      signal: AbortSignal.timeout(1000),
    })
    await reply.body?.cancel()
    return reply.status === 200
  } catch {
    return false
  }
}

/**
 * Resolves once every service's /ready answered 200. Throws naming the service and its last log
 * lines when one exits first or is not ready within `timeoutMs`; `cancelled` ends the wait.
 */
export async function waitUntilReady(
  services: Service[],
  timeoutMs: number,
  cancelled: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const pending = new Set(services)
  while (pending.size > 0) {
    if (cancelled()) throw new Error('interrupted')
    for (const service of pending) {
      if (service.child.exitCode !== null || service.child.signalCode !== null) {
        throw new Error(
          `${service.name} failed to start (${service.exitStatus()}). Its last log lines:\n${service.lastLines()}`,
        )
      }
      if (await isReady(service.port)) pending.delete(service)
    }
    if (pending.size === 0) return
    if (Date.now() > deadline) {
      const names = [...pending].map((s) => s.name).join(', ')
      const logs = [...pending].map((s) => `${s.name}:\n${s.lastLines()}`).join('\n')
      throw new Error(`not ready after ${timeoutMs / 1000} s: ${names}. Last log lines:\n${logs}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** SIGTERM to every service still running (they drain and exit), SIGKILL after 30 s. */
export async function stopAll(services: Service[]): Promise<void> {
  await Promise.all(
    services.map(async (service) => {
      if (service.child.exitCode !== null || service.child.signalCode !== null) return
      service.child.kill('SIGTERM')
      const timer = setTimeout(() => service.child.kill('SIGKILL'), 30_000)
      await service.exited
      clearTimeout(timer)
    }),
  )
}
