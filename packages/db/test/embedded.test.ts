import { spawn } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/embedded.ts'
import { OPEN_TIMEOUT } from './backends.ts'

const PASSWORD = 'embedded-test-password'
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-embedded-'))
  await chmod(dir, 0o755)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function query<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return await work(sql)
  } finally {
    await sql.end()
  }
}

describe('an embedded PostgreSQL server', () => {
  let server: EmbeddedPostgres

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), password: PASSWORD })
    await server.ensureDatabase('app')
  }, OPEN_TIMEOUT)
  afterAll(() => server?.stop())

  it('serves a real PostgreSQL on 127.0.0.1 with the database it was asked for', async () => {
    expect(server.url('app')).toMatch(/^postgres:\/\/postgres:.+@127\.0\.0\.1:\d+\/app$/)
    const [row] = await query(server.url('app'), (sql) => sql`select current_database() as db`)
    expect(row?.db).toBe('app')
  })

  it('creates a database once however often it is ensured', async () => {
    await server.ensureDatabase('app')
    const rows = await query(
      server.url(),
      (sql) => sql`select datname from pg_database where datname = 'app'`,
    )
    expect(rows).toHaveLength(1)
  })

  it('refuses a wrong password', async () => {
    const wrong = server.url('app').replace(encodeURIComponent(PASSWORD), 'nope')
    await expect(query(wrong, (sql) => sql`select 1`)).rejects.toThrow(/password/)
  })

  it('runs COPY FROM STDIN', async () => {
    const count = await query(server.url('app'), async (sql) => {
      await sql`create table copied (v int)`
      const writable = await sql`copy copied (v) from stdin`.writable()
      await new Promise<void>((done, fail) => {
        writable.on('error', fail)
        writable.end('1\n2\n3\n', done)
      })
      const [row] = await sql`select count(*)::int as n from copied`
      return row?.n
    })
    expect(count).toBe(3)
  })

  it('gives each connection its own session: a session advisory lock excludes the other', async () => {
    const a = postgres(server.url('app'), { max: 1 })
    const b = postgres(server.url('app'), { max: 1 })
    try {
      const [first] = await a`select pg_try_advisory_lock(42) as ok`
      const [second] = await b`select pg_try_advisory_lock(42) as ok`
      expect([first?.ok, second?.ok]).toEqual([true, false])
    } finally {
      await Promise.all([a.end(), b.end()])
    }
  })
})

describe('an embedded server across restarts', () => {
  it(
    'keeps its data when started again on the same directory',
    async () => {
      const dataDir = join(dir, 'restart')
      const first = await startEmbeddedPostgres({ dataDir, password: PASSWORD })
      await query(first.url(), (sql) =>
        sql`create table kept (v text); insert into kept values ('x')`.simple(),
      )
      await first.stop()
      const second = await startEmbeddedPostgres({ dataDir, password: PASSWORD })
      try {
        const rows = await query(second.url(), (sql) => sql`select v from kept`)
        expect(rows.map((r) => r.v)).toEqual(['x'])
      } finally {
        await second.stop()
      }
    },
    OPEN_TIMEOUT,
  )

  it(
    'takes over from a server whose starter was killed',
    async () => {
      const dataDir = join(dir, 'orphan')
      const orphanPort = await startInChildThenKillIt(dataDir)
      // The orphan still answers on its port until the next start stops it.
      await query(
        `postgres://postgres:${PASSWORD}@127.0.0.1:${orphanPort}/postgres`,
        (sql) => sql`select 1`,
      )
      const server = await startEmbeddedPostgres({ dataDir, password: PASSWORD })
      try {
        const [row] = await query(server.url(), (sql) => sql`select 1 as one`)
        expect(row?.one).toBe(1)
        await expect(
          query(
            `postgres://postgres:${PASSWORD}@127.0.0.1:${orphanPort}/postgres`,
            (sql) => sql`select 1`,
          ),
        ).rejects.toThrow(/ECONNREFUSED/)
      } finally {
        await server.stop()
      }
    },
    OPEN_TIMEOUT,
  )
})

/** Starts a server from a child process, SIGKILLs the child and returns the orphan's port. */
async function startInChildThenKillIt(dataDir: string): Promise<number> {
  const script = `
    import { startEmbeddedPostgres } from ${JSON.stringify(new URL('../src/embedded.ts', import.meta.url).href)}
    const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, password: ${JSON.stringify(PASSWORD)} })
    console.log(s.port)
    setInterval(() => {}, 1000)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((done, fail) => {
    child.stdout.once('data', (chunk: Buffer) => done(Number(chunk.toString().trim())))
    child.once('exit', (code) => fail(new Error(`the starter exited with ${code}`)))
  })
  child.kill('SIGKILL')
  await new Promise((done) => child.once('exit', done))
  return port
}
