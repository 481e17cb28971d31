/**
 * The /files behaviour that only shows at size: uploads streamed without holding the file,
 * refused uploads that leave nothing behind, listings and deletes past S3's 1000 keys a call.
 */

import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type FilesApp,
  listAll,
  startFilesApp,
  streamedForm,
  tenantToken,
} from './files-helpers.ts'
import type { Drivers } from './helpers.ts'

const MiB = 1024 * 1024
const run = promisify(execFile)

/** The sha256 of what `streamedForm(name, size)` sends as the file. */
function streamedHash(size: number): string {
  const hash = createHash('sha256')
  for (let sent = 0; sent < size; sent += 64 * 1024) {
    hash.update(Buffer.alloc(Math.min(64 * 1024, size - sent), sent / (64 * 1024)))
  }
  return hash.digest('hex')
}

async function sha256(body: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of body) hash.update(chunk)
  return hash.digest('hex')
}

// A full collection before each sample, so the figure is memory still held, not garbage that
// V8 would free at its next collection.
setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

/** Runs `work` and reports how far the memory the process holds rose above where it stood. */
async function memoryRise<T>(work: () => Promise<T>): Promise<{ result: T; riseBytes: number }> {
  const held = () => {
    collect()
    const { heapUsed, arrayBuffers } = process.memoryUsage()
    return heapUsed + arrayBuffers
  }
  const before = held()
  let peak = before
  // Each sample is a full collection that stops the event loop (100 ms and more on a busy
  // machine): sampled every 50 ms, the upload starved and the test timed out under load.
  const timer = setInterval(() => {
    peak = Math.max(peak, held())
  }, 250)
  try {
    return { result: await work(), riseBytes: peak - before }
  } finally {
    clearInterval(timer)
  }
}

const CLIENT = fileURLToPath(new URL('./fixtures/stream-upload.ts', import.meta.url))

/** Uploads from another process, so that memory measured here is the api's alone. */
async function uploadFromChild(url: string, token: string, name: string, size: number) {
  const { stdout } = await run(process.execPath, [CLIENT, url, token, name, String(size)])
  const answer = JSON.parse(stdout) as { status: number; body: string }
  return { status: answer.status, body: JSON.parse(answer.body) as unknown }
}

export interface LargeOptions {
  /** Lists what S3 still holds of unfinished multipart uploads under a prefix (S3 only). */
  openUploads?: (app: FilesApp, prefix: string) => Promise<unknown[]>
}

export function describeLargeFiles(drivers: Drivers, options: LargeOptions = {}): void {
  let app: FilesApp
  beforeAll(async () => {
    app = await startFilesApp(drivers, { MAX_UPLOAD_BYTES: String(60 * MiB) })
  })
  afterAll(() => app?.close())

  const upload = (token: string, name: string, size: number) =>
    app.call(token, '/files/upload?folder=big', { method: 'POST', ...streamedForm(name, size) })

  it('streams a 50 MB upload through without the process holding the file', {
    timeout: 120_000,
  }, async () => {
    const token = tenantToken(`${drivers}-big`)
    const send = (name: string, size: number) =>
      uploadFromChild(`${app.url}/files/upload?folder=big`, token, name, size)
    // The first upload loads code and fills pools that would otherwise count as growth.
    expect((await send('warm.bin', 20 * MiB)).status).toBe(201)
    const { result, riseBytes } = await memoryRise(() => send('fifty.bin', 50 * MiB))
    expect(result).toMatchObject({ status: 201, body: { size: 50 * MiB } })
    // On S3, two 8 MiB parts in flight, the part being filled and, for a moment, the copy that
    // joins its chunks: up to about 42 MiB measured (0.3 MiB on a local bucket). Holding the
    // file would add all 50 MiB and more.
    expect(riseBytes).toBeLessThan(46 * MiB)
    const download = await app.call(token, '/files/download/big/fifty.bin')
    expect(download.headers.get('content-length')).toBe(String(50 * MiB))
    expect(await sha256(download.body as ReadableStream<Uint8Array>)).toBe(streamedHash(50 * MiB))
  })

  it('answers 413 past MAX_UPLOAD_BYTES and leaves neither the object nor a partial upload', {
    timeout: 120_000,
  }, async () => {
    const token = tenantToken(`${drivers}-over`)
    const res = await upload(token, 'over.bin', 70 * MiB)
    expect(res.status).toBe(413)
    expect((await app.call(token, '/files/metadata/big/over.bin')).status).toBe(404)
    if (options.openUploads) {
      expect(await options.openUploads(app, `tenants/t/${drivers}-over/`)).toEqual([])
    }
  })

  describe('past 1000 keys', () => {
    const tenant = `${drivers}-many`
    const token = tenantToken(tenant)
    const COUNT = 1050
    const names = Array.from({ length: COUNT }, (_, i) => `f${String(i).padStart(4, '0')}.txt`)

    beforeAll(async () => {
      // Straight into the bucket: 1050 uploads through the api would only make the test slow.
      const keys = names.map((name) => `tenants/t/${tenant}/many/${name}`)
      for (let i = 0; i < keys.length; i += 25) {
        await Promise.all(keys.slice(i, i + 25).map((key) => app.files.put(key, 'x')))
      }
    }, 120_000)

    it('lists every file once across pages of 1000', async () => {
      const pages = await listAll(app, token, 'many')
      expect(pages.map((p) => p.items.length)).toEqual([1000, 50])
      expect(pages.flatMap((p) => p.items.map((i) => i.key))).toEqual(
        names.map((name) => `many/${name}`),
      )
    })

    it('deletes 1000 files in one delete-multiple request', async () => {
      const paths = names.slice(0, 1000).map((name) => `many/${name}`)
      const res = await app.json(token, 'POST', '/files/delete-multiple', { paths })
      expect(res.status).toBe(200)
      expect((await res.json()).deleted).toHaveLength(1000)
      const left = (await listAll(app, token, 'many')).flatMap((p) => p.items)
      expect(left).toHaveLength(COUNT - 1000)
    })

    it('deletes a folder of more than 1000 files whole', { timeout: 120_000 }, async () => {
      const keys = names.map((name) => `tenants/t/${tenant}/bulk/${name}`)
      for (let i = 0; i < keys.length; i += 25) {
        await Promise.all(keys.slice(i, i + 25).map((key) => app.files.put(key, 'y')))
      }
      const res = await app.call(token, '/files/folder/delete?path=bulk', { method: 'DELETE' })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ deleted: COUNT })
      expect((await listAll(app, token, 'bulk')).flatMap((p) => p.items)).toEqual([])
    })
  })
}
