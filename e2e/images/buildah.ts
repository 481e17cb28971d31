import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Debian's buildah as .ci/images.sh uses it: rootful, vfs storage kept under the ferry cache
 * (FERRY_IMAGES_STORE), chroot isolation (no namespaces on these machines).
 */
export function buildahArgs(args: string[]): string[] {
  const store = process.env.FERRY_IMAGES_STORE
  if (!store) throw new Error('FERRY_IMAGES_STORE is not set: run .ci/images.sh')
  return [
    '--root',
    join(store, 'storage'),
    '--runroot',
    join(store, 'run'),
    '--storage-driver',
    'vfs',
    ...args,
  ]
}

export async function buildah(...args: string[]): Promise<string> {
  const { stdout } = await run('buildah', buildahArgs(args), { maxBuffer: 64 * 1024 * 1024 })
  return stdout.trim()
}

/** The parts of an image's Docker config the checks and the boot use. */
export interface ImageConfig {
  User?: string
  Cmd?: string[]
  Entrypoint?: string[] | null
  WorkingDir?: string
  Env?: string[]
  Healthcheck?: { Test?: string[] }
}

export async function imageConfig(image: string): Promise<ImageConfig> {
  const inspected = JSON.parse(await buildah('inspect', '--type', 'image', image)) as {
    Docker?: { config?: ImageConfig }
  }
  return inspected.Docker?.config ?? {}
}

/** A working container of `image`, named so that .ci/images.sh removes it if a run dies. */
export async function fromImage(image: string, name: string): Promise<string> {
  await buildah('rm', name).catch(() => undefined)
  return buildah('from', '--pull=never', '--name', name, image)
}

export async function removeContainer(name: string): Promise<void> {
  await buildah('umount', name).catch(() => undefined)
  await buildah('rm', name).catch(() => undefined)
}

/**
 * `buildah run --isolation chroot` of a container: shares the host's network and process table,
 * so the service listens on a host loopback port and its node process is a host process.
 * Output goes to `logFile`.
 */
export function runInContainer(
  container: string,
  command: string[],
  env: Record<string, string>,
  logFile: string,
): ChildProcess {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`])
  const child = spawn(
    'buildah',
    buildahArgs(['run', '--isolation', 'chroot', ...envArgs, container, '--', ...command]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const log = createWriteStream(logFile)
  child.stdout?.pipe(log, { end: false })
  child.stderr?.pipe(log, { end: false })
  child.on('exit', () => log.end())
  return child
}

interface ProcessInfo {
  pid: number
  ppid: number
}

async function processTable(): Promise<ProcessInfo[]> {
  const table: ProcessInfo[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    const close = stat.lastIndexOf(')')
    if (close < 0) continue
    table.push({ pid: Number(entry), ppid: Number(stat.slice(close + 2).split(' ')[1]) })
  }
  return table
}

/**
 * The pid of the `node` process under `root` (the buildah run process), if it runs. Matched on
 * its command line: Node names its main thread `MainThread`, so the process name says nothing.
 */
export async function nodeUnder(root: number): Promise<number | undefined> {
  const table = await processTable()
  const below = new Set([root])
  for (let grew = true; grew; ) {
    grew = false
    for (const p of table) {
      if (below.has(p.ppid) && !below.has(p.pid)) {
        below.add(p.pid)
        grew = true
      }
    }
  }
  for (const pid of below) {
    const argv0 = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[0]
    if (pid !== root && argv0 !== undefined && basename(argv0) === 'node') return pid
  }
  return undefined
}

/** The real uid of a host process. */
export async function uidOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1]
  if (uid === undefined) throw new Error(`no Uid line for pid ${pid}`)
  return Number(uid)
}
