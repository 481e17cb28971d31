// The bench process's side of its child processes: each service (and each reference) runs in a
// process of its own, so that it has its own event loop and its own peak RSS.
import { type ChildProcess, spawn } from 'node:child_process'
import { basename, join } from 'node:path'

/** Where the child scripts live. */
export const SERVERS = join(import.meta.dirname, 'servers')

/** A script run to its end prints its result; a server talks over IPC. */
function spawnNode(
  script: string,
  args: string[],
  kind: 'run' | 'server',
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: kind === 'run' ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

/** The next IPC message of `child`; rejects if it exits first. */
function nextMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what} exited (${code}) early`))
    child.once('exit', onExit)
    child.once('message', (message) => {
      child.off('exit', onExit)
      resolve(message as T)
    })
  })
}

/**
 * Runs `node <script> ...args` to its end and returns the JSON object on the last line of its
 * stdout. Throws when it exits non-zero (its stderr is the bench's).
 */
export async function runJson<T>(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<T> {
  const child = spawnNode(script, args, 'run', env)
  let out = ''
  child.stdout?.on('data', (chunk) => {
    out += chunk
  })
  const code = await exitOf(child)
  if (code !== 0) throw new Error(`${basename(script)} ${args.join(' ')} exited with ${code}`)
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as T
}

/** A server in a child process (see servers/child.ts for the other side). */
export interface ServerChild<Hello, Stats> {
  url: string
  /** What the server announced once it listened (its port and anything else). */
  hello: Hello
  pid: number
  /** Its counters and peak RSS now. */
  stats(): Promise<Stats>
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  stop(): Promise<void>
}

export async function startServer<Hello extends { port: number }, Stats>(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ServerChild<Hello, Stats>> {
  const name = `${basename(script)} ${args.join(' ')}`.trim()
  const child = spawnNode(script, args, 'server', env)
  const hello = await nextMessage<Hello>(child, name)
  return {
    url: `http://127.0.0.1:${hello.port}`,
    hello,
    pid: child.pid ?? 0,
    stats() {
      const answer = nextMessage<Stats>(child, name)
      child.send('stats')
      return answer
    },
    async stop() {
      const exited = exitOf(child)
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}
