// The bundle each image runs (src/bundle.ts), started the way the image starts it: the image's
// `node <flags> dist/main.js` from a directory with no node_modules anywhere above it, configured by its
// environment alone (here the same local drivers `npm start` gives it).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, type TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BundleManifest,
  bundle,
  bundleProblems,
  devOnlyPackages,
  imageNodeFlags,
  SERVICES,
} from '../src/bundle.ts'
import { localEnv } from '../src/local-env.ts'

const ROOT = join(import.meta.dirname, '..', '..')

interface Running {
  url: string
  child: ChildProcess
  exited: Promise<number | null>
  output: () => string
  manifest: BundleManifest
}

let dir: string
const databases: TestDatabase[] = []
const running = new Map<string, Running>()
const env = new Map<string, Record<string, string>>()

async function start(service: string): Promise<Running> {
  const out = join(dir, service)
  const { manifest } = await bundle(service, out)
  const port = await freePort()
  const serviceEnv = await localEnv(service, join(dir, 'data'), databases, port)
  env.set(service, serviceEnv)
  let output = ''
  const child = spawn(process.execPath, [...imageNodeFlags(), 'dist/main.js'], {
    cwd: out,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...serviceEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (b: Buffer) => (output += b))
  child.stderr?.on('data', (b: Buffer) => (output += b))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${service} exited ${child.exitCode}:\n${output}`)
    const status = await fetch(`${url}/ready`).then(
      (r) => r.status,
      () => 0,
    )
    if (status === 200) break
    if (Date.now() > deadline)
      throw new Error(`${service} not ready in 30 s (${status}):\n${output}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return { url, child, exited, output: () => output, manifest }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-bundle-'))
  for (const service of SERVICES) running.set(service, await start(service))
}, 180_000)

afterAll(async () => {
  for (const r of running.values()) r.child.kill('SIGKILL')
  for (const db of databases) await db.cleanup()
  await rm(dir, { recursive: true, force: true })
})

const get = (service: string) => running.get(service) as Running

describe('each service bundled as its image runs it', () => {
  it.each(SERVICES)(
    '%s answers /ready, /health and its OpenAPI UI with the UI files',
    async (service) => {
      const { url } = get(service)
      expect((await fetch(`${url}/health`)).status).toBe(200)
      const spec = (await (await fetch(`${url}/docs/json`)).json()) as { openapi: string }
      expect(spec.openapi).toMatch(/^3\./)
      const page = await fetch(`${url}/docs/static/index.html`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('swagger-ui')
      expect((await fetch(`${url}/docs/static/swagger-ui-bundle.js`)).status).toBe(200)
    },
  )

  it.each(SERVICES)(
    '%s: the bundle carries the patched postgres.js where it uses one, and no dev-only package',
    async (service) => {
      const { manifest } = get(service)
      const pkg = JSON.parse(
        await readFile(join(ROOT, 'services', service, 'package.json'), 'utf8'),
      )
      const usesDb = '@ferry/db' in (pkg.dependencies ?? {})
      expect(manifest.packages.some((p) => p.startsWith('postgres@'))).toBe(usesDb)
      expect(bundleProblems(manifest, usesDb, devOnlyPackages())).toEqual([])
    },
  )

  it('names what is wrong with a bundle: an unpatched file, a missing postgres.js, a dev-only package', () => {
    const manifest: BundleManifest = {
      service: 'api',
      packages: ['postgres@3.4.9', 'vitest@4.1.12'],
      patches: { 'postgres@3.4.9': [{ file: 'src/connection.js', patched: false }] },
    }
    expect(bundleProblems(manifest, true, devOnlyPackages())).toEqual([
      'postgres@3.4.9/src/connection.js lacks the patch',
      'dev-only packages bundled: vitest',
    ])
    expect(bundleProblems({ ...manifest, packages: [], patches: {} }, true, [])).toEqual([
      'the bundle holds no postgres.js',
    ])
  })

  it('a payload posted to the bundled ingest-api is written by the bundled worker', async () => {
    const token = env.get('ingest-api')?.SSM_TOKEN_PARAM?.slice('file://'.length) ?? ''
    const reply = await fetch(`${get('ingest-api').url}/ingest`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${(await readFile(token, 'utf8')).trim()}`,
      },
      body: JSON.stringify({
        data: {
          email_subject: 'bundled',
          email_sender: 'a@b.c',
          email_content: 'hello from the bundle',
          email_timestream: 1_700_000_000,
        },
      }),
    })
    expect(reply.status).toBeLessThan(300)
    const bucket = (env.get('worker')?.S3_BUCKET ?? '').slice('file://'.length)
    const written = async () => {
      const files = await readdir(join(bucket, 'emails'), { recursive: true }).catch(() => [])
      return files.filter((f) => f.endsWith('.json'))
    }
    await expect.poll(written, { timeout: 20_000 }).toHaveLength(1)
    const [file] = await written()
    const body = JSON.parse(await readFile(join(bucket, 'emails', file ?? ''), 'utf8'))
    expect(JSON.stringify(body)).toContain('hello from the bundle')
  })

  it.each(SERVICES)('%s exits 0 within 10 s of SIGTERM', async (service) => {
    const { child, exited, output } = get(service)
    const started = Date.now()
    child.kill('SIGTERM')
    const code = await exited
    expect(code, output()).toBe(0)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
