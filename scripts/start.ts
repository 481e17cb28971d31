// `pnpm start`: every service under services/ on the embedded default — local drivers under
// .data/ and embedded PostgreSQL — each as its own process. A service plugs itself in with a
// `src/local.ts` exporting `port` and `localEnv(context)`; this script starts whichever exist.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import type { LocalContext, LocalService } from '../packages/kit/src/local.ts'

interface LocalModule {
  port: number
  localEnv(context: LocalContext): Promise<LocalService>
}

const root = resolve(import.meta.dirname, '..')
const dataDir = join(root, '.data')
const context: LocalContext = {
  dataDir,
  local: (path) => `file://${join(dataDir, path)}`,
}
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}

function relay(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) {
  const lines = createInterface({ input: stream })
  lines.on('line', (line) => {
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
      out.write(`[${name}] ${level} ${entry.msg ?? ''}${extra ? ` (${extra})` : ''}\n`)
    } catch {
      out.write(`[${name}] ${line}\n`)
    }
  })
}

async function main() {
  const servicesDir = join(root, 'services')
  const names = existsSync(servicesDir)
    ? readdirSync(servicesDir).filter((n) => existsSync(join(servicesDir, n, 'src', 'local.ts')))
    : []
  if (names.length === 0) {
    console.log('ferry: no services yet (each plugs in with services/<name>/src/local.ts)')
    return
  }
  mkdirSync(dataDir, { recursive: true })
  const children = new Map<string, ChildProcess>()
  const banner: string[] = []
  for (const name of names.sort()) {
    const dir = join(servicesDir, name)
    const mod = (await import(pathToFileURL(join(dir, 'src', 'local.ts')).href)) as LocalModule
    const { env, notes = [] } = await mod.localEnv(context)
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: dir,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(mod.port), LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    if (child.stdout) relay(name, child.stdout, process.stdout)
    if (child.stderr) relay(name, child.stderr, process.stderr)
    children.set(name, child)
    banner.push(
      `  ${name.padEnd(14)} http://127.0.0.1:${mod.port}  (docs: /docs)`,
      ...notes.map((n) => `      ${n}`),
    )
  }
  console.log(
    `\nferry: running on the embedded default (data in ${dataDir})\n${banner.join('\n')}\n  Ctrl-C stops them all.\n`,
  )

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    console.log(`\nferry: ${signal}: stopping ${children.size} service(s)…`)
    for (const child of children.values()) child.kill('SIGTERM')
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  let failed = false
  await Promise.all(
    [...children].map(
      ([name, child]) =>
        new Promise<void>((done) => {
          child.on('exit', (code, signal) => {
            children.delete(name)
            if (!stopping) {
              failed = true
              console.error(
                `ferry: ${name} exited unexpectedly (${code ?? signal}); stopping the others`,
              )
              stop('SIGTERM')
            }
            done()
          })
        }),
    ),
  )
  process.exit(failed ? 1 : 0)
}

await main()
