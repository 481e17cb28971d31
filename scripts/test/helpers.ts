import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')

export interface Running {
  url: string
  process: ChildProcess
  output(): string
  stop(): Promise<number | null>
}

/**
 * Starts a service as a real process (`node src/main.ts`) and waits for its /health. Resolves with
 * its URL; stop() sends SIGTERM and resolves with the exit code.
 */
export async function startService(
  name: string,
  env: Record<string, string>,
  port: number,
): Promise<Running> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: join(ROOT, 'services', name),
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (c) => (output += c))
  child.stderr?.on('data', (c) => (output += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start:\n${output}`)
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline)
      throw new Error(`${name} did not answer /health within 30 s:\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
