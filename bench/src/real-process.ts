// A service as production runs it: its own `src/main.ts` bundled as its image runs it (or a
// reference server) in a process of its own, configured only by its environment, its log lines
// written to a file as a container's stdout would be. The bench reads its CPU time and memory from /proc.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, openSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundle, imageNodeFlags } from '@ferry/deploy/bundle'
import { cpuSeconds, highWaterMb, rssMb } from './process-stats.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const STARTUP_MS = 60_000

/** `services/<name>/src/main.ts`, the sources as development runs them. */
export const serviceSource = (name: string) => join(ROOT, 'services', name, 'src', 'main.ts')

/**
 * The service as its image runs it: `src/main.ts` bundled by deploy/src/bundle.ts into a
 * directory of its own under the system's temporary directory (built once per run), its
 * `dist/main.js`.
 */
export async function serviceMain(name: string): Promise<string> {
  const built = bundles.get(name) ?? bundle(name, join(tmpdir(), 'ferry-bench-bundles', name))
  bundles.set(name, built)
  return (await built).main
}
const bundles = new Map<string, ReturnType<typeof bundle>>()

/** The node options the image gives its bundle (deploy/Dockerfile's CMD): run serviceMain() with them. */
export const IMAGE_NODE_FLAGS = imageNodeFlags()

/** Where the processes' log files go, one per process and run. */
export const LOG_DIR = join(tmpdir(), 'ferry-bench-logs')

export interface RealProcess {
  url: string
  pid: number
  logFile: string
  cpuSeconds(): number
  rssMb(): number | null
  peakRssMb(): number | null
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(),
      )
    })
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

async function waitHealthy(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + STARTUP_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) on start: ${logFile}`)
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no answer on ${url}/health within ${STARTUP_MS} ms: ${logFile}`)
}

/**
 * Starts `node [nodeArgs] <script>` with PORT and HOST set and `env` added to this process's environment,
 * stdout and stderr into `<LOG_DIR>/<name>.log`, and resolves once GET /health answers 200.
 */
export async function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<RealProcess> {
  mkdirSync(LOG_DIR, { recursive: true })
  const logFile = join(LOG_DIR, `${name}-${Date.now()}.log`)
  const log = openSync(logFile, 'w')
  const port = await freePort()
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  })
  const url = `http://127.0.0.1:${port}`
  const pid = child.pid ?? 0
  const stop = async () => {
    const done = exited(child)
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await done
    clearTimeout(timer)
  }
  try {
    await waitHealthy(url, child, logFile)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    url,
    pid,
    logFile,
    cpuSeconds: () => cpuSeconds(pid),
    rssMb: () => rssMb(pid) ?? null,
    peakRssMb: () => highWaterMb(pid) ?? null,
    stop,
  }
}
