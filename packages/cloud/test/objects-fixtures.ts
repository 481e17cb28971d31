/** Fixtures and helpers of the ObjectStore contract suite and the drivers' own tests. */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { type ObjectStore, openObjects, serveLocalPresigned } from '../src/index.ts'

export interface ObjectStoreFixture {
  store: ObjectStore
  cleanup(): Promise<void>
}

/**
 * A local store in a temporary directory, with a node:http server answering its presigned URLs
 * (anything else gets 404, as a host server's own routes would).
 */
export async function openLocalFixture(): Promise<
  ObjectStoreFixture & { dir: string; baseUrl: string }
> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-objects-'))
  const secret = randomBytes(32).toString('hex')
  let store: ObjectStore | undefined
  const server: Server = createServer((request, response) => {
    if (!store) throw new Error('no store yet')
    serveLocalPresigned(store, secret, request, response).then(
      (handled) => {
        if (!handled) response.writeHead(404).end('not a presigned path')
      },
      (error) => response.destroy(error),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  store = openObjects(`file://${dir}`, { local: { presign: { baseUrl, secret } } })
  return {
    store,
    dir,
    baseUrl,
    async cleanup() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString()
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>) {
  let next = 0
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T)
  }
  await Promise.all(Array.from({ length: limit }, worker))
}

/** Every page of a listing, followed through its cursors. */
export async function listAll(store: ObjectStore, options: Parameters<ObjectStore['list']>[0]) {
  const pages = []
  let cursor: string | undefined
  do {
    const page = await store.list({ ...options, cursor })
    pages.push(page)
    cursor = page.nextCursor
  } while (cursor)
  return pages
}

export const MiB = 1024 * 1024

/** `total` bytes in 64 KiB chunks made as they are read, each chunk filled with its index. */
export function generated(total: number): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0, i = 0; at < total; at += 64 * 1024, i++) {
        yield Buffer.alloc(Math.min(64 * 1024, total - at), i % 256)
      }
    })(),
  )
}

/** The sha256 of what `generated(total)` yields. */
export function generatedHash(total: number): string {
  const hash = createHash('sha256')
  for (let at = 0, i = 0; at < total; at += 64 * 1024, i++) {
    hash.update(Buffer.alloc(Math.min(64 * 1024, total - at), i % 256))
  }
  return hash.digest('hex')
}

/** A body that yields `first`, then fails or waits forever, as a client that went away. */
export function brokenBody(first: Buffer, ending: 'fail' | 'hang'): Readable {
  return Readable.from(
    (async function* () {
      yield first
      if (ending === 'fail') throw new Error('connection lost')
      await new Promise(() => undefined)
    })(),
  )
}

export async function sha256(body: Readable): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of body) hash.update(chunk)
  return hash.digest('hex')
}

export function postForm(fields: Record<string, string>, file: string | Buffer): FormData {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', new Blob([file]), 'upload.bin')
  return form
}

/** The etag a store gives `body`: its quoted md5. */
export function etagOf(body: string): string {
  return `"${createHash('md5').update(body).digest('hex')}"`
}
