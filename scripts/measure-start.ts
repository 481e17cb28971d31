// `pnpm measure:start`: how long `npm start` (run as a person runs it) takes until all four services are ready, and how
// much memory everything it runs holds at rest (the node processes and PostgreSQL together), on
// a first start (empty data directory: initdb) and a second one (the same data reused). Prints a
// table. Not a test; Linux only (it reads /proc). Dependencies must already be installed.
//   node scripts/measure-start.ts [--idle-seconds 10] [--port-offset 200]
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    'idle-seconds': { type: 'string', default: '10' },
    'port-offset': { type: 'string', default: '200' },
  },
})
const root = resolve(import.meta.dirname, '..')
const idleMs = Number(values['idle-seconds']) * 1000

/** Every process whose ancestry leads to `pid`, itself included. */
function tree(pid: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(Number(entry), ppid)
    } catch {
      // exited meanwhile
    }
  }
  const found = [pid]
  for (let i = 0; i < found.length; i++) {
    for (const [child, parent] of parents) if (parent === found[i]) found.push(child)
  }
  return found
}

interface ProcessMemory {
  cmd: string
  pssMb: number
  rssMb: number
}

/**
 * One reading of each process: its command (first words) and, in MB, its PSS (each shared page
 * divided among the processes sharing it) and RSS. PSS is what the processes hold together:
 * PostgreSQL's processes share its buffers, which a sum of RSS counts once per process.
 */
function readMemory(pids: number[]): ProcessMemory[] {
  const kb = (rollup: string, field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0)
  return pids.flatMap((pid) => {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3).join(' ')
      return [{ cmd, pssMb: kb(rollup, 'Pss') / 1024, rssMb: kb(rollup, 'Rss') / 1024 }]
    } catch {
      return [] // exited meanwhile
    }
  })
}

/** Each process's PSS and command, largest first. */
function breakdown(memory: ProcessMemory[]): string {
  return [...memory]
    .sort((a, b) => b.pssMb - a.pssMb)
    .map((p) => `  ${p.pssMb.toFixed(0).padStart(5)} MB  ${p.cmd}`)
    .join('\n')
}

/** Waits until none of `pids` runs any more (PostgreSQL included); throws naming the rest. */
async function allGone(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const alive = () => pids.filter((pid) => existsSync(`/proc/${pid}`))
  while (alive().length > 0) {
    if (Date.now() > deadline) throw new Error(`still running after Ctrl-C: ${alive().join(' ')}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

interface Measured {
  readySeconds: number
  pssMb: number
  rssMb: number
  processes: number
  breakdown: string
}

async function measure(dataDir: string): Promise<Measured> {
  const started = performance.now()
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, FERRY_DATA_DIR: dataDir, FERRY_PORT_OFFSET: values['port-offset'] },
    stdio: ['ignore', 'pipe', 'inherit'],
    // A process group of its own, so that the Ctrl-C below reaches every process of it, as a
    // terminal's does (npm does not pass a signal on to its script).
    detached: true,
  })
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  let output = ''
  const ready = await new Promise<number>((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (/all \d+ services ready/.test(output)) done((performance.now() - started) / 1000)
    })
    void exited.then((code) =>
      fail(new Error(`npm start exited (${code}):\n${output.slice(-3000)}`)),
    )
  })
  await new Promise((r) => setTimeout(r, idleMs))
  const pids = tree(child.pid ?? 0)
  const memory = readMemory(pids)
  const sum = (field: 'pssMb' | 'rssMb') => memory.reduce((total, p) => total + p[field], 0)
  const result = {
    readySeconds: ready,
    pssMb: sum('pssMb'),
    rssMb: sum('rssMb'),
    processes: pids.length,
    breakdown: breakdown(memory),
  }
  process.kill(-(child.pid ?? 0), 'SIGINT')
  await exited
  await allGone(pids, 30_000)
  return result
}

const dir = mkdtempSync(join(tmpdir(), 'ferry-measure-start-'))
chmodSync(dir, 0o755) // as root, PostgreSQL runs as another user, which must enter it
try {
  const first = await measure(join(dir, 'data'))
  const second = await measure(join(dir, 'data'))
  const row = (name: string, m: Measured) =>
    `| ${name} | ${m.readySeconds.toFixed(1)} s | ${Math.round(m.pssMb)} MB | ${Math.round(m.rssMb)} MB | ${m.processes} |`
  console.log(
    [
      `npm start on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, idle ${idleMs / 1000} s`,
      '',
      '| start | to all ready | idle memory (PSS sum) | RSS sum | processes |',
      '| --- | --- | --- | --- | --- |',
      row('first (initdb)', first),
      row('second (data reused)', second),
      '',
      'PSS per process at rest (second start):',
      second.breakdown,
    ].join('\n'),
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
