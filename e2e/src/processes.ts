import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { freePort } from '@ferry/db/testing'

export const ROOT = join(import.meta.dirname, '..', '..')

export interface Running {
  name: string
  url: string
  process: ChildProcess
  output(): string
  /** SIGTERM (graceful) and the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL: a crash, nothing drains. */
  kill(): Promise<void>
}

/**
 * Starts a service as a real process (`node src/main.ts` in its directory) and waits until its
 * /health answers.
 */
export async function startService(
  name: string,
  env: Record<string, string>,
  port?: number,
): Promise<Running> {
  const listen = port ?? (await freePort())
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: join(ROOT, 'services', name),
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(listen), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (c) => (output += c))
  child.stderr?.on('data', (c) => (output += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = `http://127.0.0.1:${listen}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start:\n${output}`)
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline)
      throw new Error(`${name} did not answer /health within 60 s:\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    name,
    url,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
