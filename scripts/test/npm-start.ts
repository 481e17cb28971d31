// `npm start` (scripts/start.ts) run as a terminal runs it, for the tests of it and of the
// operator commands that read what it started.
import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..')

export interface Started {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

/**
 * Starts scripts/start.ts on `dataDir` with every port moved by `portOffset`, in its own process
 * group; its output (stdout and stderr) is collected.
 */
export function startServices(
  dataDir: string,
  portOffset: number,
  options: { viaShell?: boolean } = {},
): Started {
  // viaShell: under a shell that does not exec it, as `npm start` runs its script (`sh -c`).
  const [command, args]: [string, string[]] = options.viaShell
    ? ['sh', ['-c', '"$0" scripts/start.ts || exit $?', process.execPath]]
    : [process.execPath, ['scripts/start.ts']]
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, FERRY_DATA_DIR: dataDir, FERRY_PORT_OFFSET: String(portOffset) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString()
  })
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString()
  })
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  return { child, output: () => output, exited }
}

/** Resolves once the banner saying every service is ready appeared; throws with the output if not. */
export async function untilBanner(started: Started): Promise<void> {
  const deadline = Date.now() + 90_000
  while (!/ferry: all 4 services ready/.test(started.output())) {
    if (started.child.exitCode !== null) throw new Error(`exited early:\n${started.output()}`)
    if (Date.now() > deadline) throw new Error(`no banner:\n${started.output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Ctrl-C to the whole process group, as a terminal sends it; resolves with the exit code. */
export async function interrupt(started: Started): Promise<number | null> {
  process.kill(-(started.child.pid ?? 0), 'SIGINT')
  return started.exited
}

/** Calls `probe` every 200 ms until it returns a value; throws after `timeoutMs`. */
export async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 200))
  }
}
