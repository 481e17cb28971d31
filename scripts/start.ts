// `npm start`: every service under services/ on the embedded default — local drivers under
// .data/ and one embedded PostgreSQL server — each service as its own process. A service plugs
// itself in with a `src/local.ts` exporting `port` and `localEnv(context)`.
//
// The banner appears once every service's /ready answers 200; a service that fails to start is
// named with its last log lines and the command exits 1. Ctrl-C (or SIGTERM, SIGHUP, or the exit
// of the process that started it) stops the services, then the database. FERRY_DATA_DIR moves .data/, FERRY_PORT_OFFSET moves every port.
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startEmbeddedPostgres } from '@ferry/db/embedded'
import { devSecret, type LocalContext, type LocalService } from '@ferry/kit/local'
import { LOCAL_PATHS } from './start/local-paths.ts'
import { type Service, spawnService, stopAll, waitUntilReady } from './start/services.ts'

interface LocalModule {
  port: number
  localEnv(context: LocalContext): Promise<LocalService>
}

const root = resolve(import.meta.dirname, '..')
const dataDir = resolve(process.env.FERRY_DATA_DIR ?? join(root, '.data'))
const portOffset = Number(process.env.FERRY_PORT_OFFSET ?? 0)
const READY_TIMEOUT_MS = 60_000

function serviceNames(): string[] {
  const dir = join(root, 'services')
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'src', 'local.ts')))
    .sort()
}

async function main(): Promise<number> {
  const started = performance.now()
  const names = serviceNames()
  if (names.length === 0) {
    console.log('ferry: no services yet (each plugs in with services/<name>/src/local.ts)')
    return 0
  }
  mkdirSync(dataDir, { recursive: true })
  // PostgreSQL starts while the services without a database start too; the others wait for it.
  const postgres = startEmbeddedPostgres({
    dataDir: join(dataDir, 'postgres'),
    logFile: join(dataDir, 'postgres.log'),
    password: devSecret(join(dataDir, 'secrets', 'postgres-password')),
  })
  const services: Service[] = []
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= stopAll(services).then(async () => {
      const server = await postgres.catch(() => undefined)
      await server?.stop()
    })
    return stopping
  }
  let interrupted = false
  const interrupt = (why: string) => {
    if (!interrupted) console.log(`\nferry: ${why}: stopping the services, then PostgreSQL…`)
    interrupted = true
    void stop()
  }
  // SIGHUP: the terminal closed. PostgreSQL runs in a process group of its own, so only this
  // process can stop it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => interrupt(signal))
  }
  // npm passes a SIGTERM on to the shell it runs this script in, which dies without passing it
  // on: this process is then left without its parent and without a signal.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) interrupt('the process that started it exited')
  }, 250).unref()
  // Output to a terminal that closed or a pipe whose reader exited must not stop the shutdown.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)

  const launch = async (name: string) => {
    const dir = join(root, 'services', name)
    const mod = (await import(pathToFileURL(join(dir, 'src', 'local.ts')).href)) as LocalModule
    const port = mod.port + portOffset
    const context: LocalContext = {
      dataDir,
      port,
      paths: LOCAL_PATHS,
      local: (path) => `file://${join(dataDir, path)}`,
      async database(database) {
        const server = await postgres
        await server.ensureDatabase(database)
        return server.url(database)
      },
    }
    const { env, notes = [] } = await mod.localEnv(context)
    if (!interrupted) services.push(spawnService({ name, dir, port, env, notes }))
  }
  try {
    await Promise.all([postgres, ...names.map(launch)])
    await waitUntilReady(services, READY_TIMEOUT_MS, () => interrupted)
  } catch (error) {
    if (!interrupted) console.error(`\nferry: ${error instanceof Error ? error.message : error}`)
    await stop()
    return interrupted ? 0 : 1
  }
  services.sort((a, b) => a.name.localeCompare(b.name))
  const { port: databasePort } = await postgres

  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const lines = services.flatMap((s) => [
    `  ${s.name.padEnd(14)} http://127.0.0.1:${s.port}  (docs: /docs)`,
    ...s.notes.map((n) => `      ${n}`),
  ])
  console.log(
    `\nferry: all ${services.length} services ready in ${seconds} s on the embedded default` +
      ` (data in ${dataDir}; PostgreSQL on 127.0.0.1:${databasePort})\n${lines.join('\n')}\n` +
      '  Ctrl-C stops them all.\n',
  )

  const failed = await Promise.race(services.map((s) => s.exited.then(() => s)))
  if (!interrupted) {
    console.error(
      `ferry: ${failed.name} exited unexpectedly (${failed.exitStatus()}); stopping the others. Its last log lines:\n${failed.lastLines()}`,
    )
  }
  await stop()
  return interrupted ? 0 : 1
}

process.exit(await main())
