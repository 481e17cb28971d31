/**
 * The behaviour every ObjectStore driver shows. Each test works under its own key prefix, so the
 * tests share one store (one bucket or directory per test file).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudError, type ObjectStore, openObjects, serveLocalPresigned } from '../src/index.ts'

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

const MiB = 1024 * 1024

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

async function sha256(body: Readable): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of body) hash.update(chunk)
  return hash.digest('hex')
}

function postForm(fields: Record<string, string>, file: string | Buffer): FormData {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', new Blob([file]), 'upload.bin')
  return form
}

export interface ContractOptions {
  /**
   * Whether a key may also be the folder of other keys (`a` beside `a/b`). S3 allows it; a local
   * bucket is a directory, where `a` is a file or a folder, and refuses the second key (its own
   * tests show that error).
   */
  keyAlsoFolder: boolean
}

export function objectStoreContract(
  name: string,
  open: () => Promise<ObjectStoreFixture>,
  options: ContractOptions,
) {
  describe(name, () => {
    let fixture: ObjectStoreFixture
    let store: ObjectStore
    beforeAll(async () => {
      fixture = await open()
      store = fixture.store
    })
    afterAll(async () => {
      await fixture?.store.close()
      await fixture?.cleanup()
    })

    describe('put and read', () => {
      it('round-trips the bytes, content type and user metadata', async () => {
        const { etag } = await store.put('rt/a.json', '{"a":1}', {
          contentType: 'application/json',
          metadata: { Source: 'contract', n: '1' },
        })
        const object = await store.get('rt/a.json')
        expect(await text(object.body)).toBe('{"a":1}')
        expect(object).toMatchObject({
          key: 'rt/a.json',
          size: 7,
          etag,
          contentType: 'application/json',
          metadata: { source: 'contract', n: '1' },
        })
        expect(object.lastModified).toBeInstanceOf(Date)
      })

      it('gives the quoted md5 of the body as the etag', async () => {
        const { etag } = await store.put('rt/md5', 'hello world')
        expect(etag).toBe('"5eb63bbbe01eeed093cb22bb8f5acdc3"')
      })

      it('reads a whole object into a buffer with its info', async () => {
        await store.put('rt/buf', Buffer.from([0, 1, 2, 255]), { contentType: 'x/bin' })
        const { body, info } = await store.getBuffer('rt/buf')
        expect([...body]).toEqual([0, 1, 2, 255])
        expect(info).toMatchObject({ key: 'rt/buf', size: 4, contentType: 'x/bin' })
      })

      it('stores a stream body whole, with or without its length', async () => {
        const parts = () => Readable.from([Buffer.from('abc'), Buffer.from('def')])
        await store.put('rt/stream', parts())
        await store.put('rt/stream-len', parts(), { contentLength: 6 })
        expect((await store.getBuffer('rt/stream')).body.toString()).toBe('abcdef')
        expect((await store.getBuffer('rt/stream-len')).body.toString()).toBe('abcdef')
      })

      it('stores an empty object', async () => {
        await store.put('rt/empty', '')
        expect((await store.getBuffer('rt/empty')).body.length).toBe(0)
        expect(await text((await store.get('rt/empty')).body)).toBe('')
      })

      it('accepts a checksum to verify', async () => {
        await store.put('rt/sum', 'checked', { checksum: 'SHA256' })
        expect((await store.getBuffer('rt/sum')).body.toString()).toBe('checked')
      })

      it('heads an object without reading it', async () => {
        await store.put('rt/head', 'twelve bytes', {
          contentType: 'text/plain',
          metadata: { k: 'v' },
        })
        expect(await store.head('rt/head')).toMatchObject({
          key: 'rt/head',
          size: 12,
          contentType: 'text/plain',
          metadata: { k: 'v' },
        })
      })

      it('heads an absent key as undefined', async () => {
        expect(await store.head('rt/absent')).toBeUndefined()
      })

      it('throws CloudError NotFound reading an absent key', async () => {
        await expect(store.get('rt/absent')).rejects.toBeInstanceOf(CloudError)
        await expect(store.get('rt/absent')).rejects.toMatchObject({ code: 'NotFound' })
        await expect(store.getBuffer('rt/absent')).rejects.toMatchObject({ code: 'NotFound' })
      })

      it('reads exactly the bytes of a range, with its content range', async () => {
        await store.put('rt/range', '0123456789')
        const object = await store.get('rt/range', { range: { start: 2, end: 5 } })
        expect(await text(object.body)).toBe('2345')
        expect(object.contentRange).toBe('bytes 2-5/10')
        expect(object.size).toBe(4)
      })

      it('reads an open-ended range to the end', async () => {
        await store.put('rt/range-open', '0123456789')
        const object = await store.get('rt/range-open', { range: { start: 7 } })
        expect(await text(object.body)).toBe('789')
        expect(object.contentRange).toBe('bytes 7-9/10')
      })

      it('refuses a range that starts past the end as InvalidArgument', async () => {
        await store.put('rt/range-past', '0123')
        await expect(store.get('rt/range-past', { range: { start: 10 } })).rejects.toMatchObject({
          code: 'InvalidArgument',
        })
      })

      it('overwrites an existing key without conditions', async () => {
        await store.put('rt/over', 'one')
        await store.put('rt/over', 'two')
        expect((await store.getBuffer('rt/over')).body.toString()).toBe('two')
      })
    })

    describe('streaming upload', () => {
      it('streams a body to a key, giving its size and the etag head reports', async () => {
        const parts = Readable.from([Buffer.from('stream'), Buffer.from('ed '), 'body'])
        const result = await store.upload('up/small.txt', parts, {
          contentType: 'text/plain',
          metadata: { origin: 'contract' },
        })
        expect(result.size).toBe(13)
        const object = await store.get('up/small.txt')
        expect(await text(object.body)).toBe('streamed body')
        expect(object).toMatchObject({
          etag: result.etag,
          size: 13,
          contentType: 'text/plain',
          metadata: { origin: 'contract' },
        })
      })

      it('stores a body of several parts whole', { timeout: 60_000 }, async () => {
        const total = 20 * MiB + 123
        const result = await store.upload('up/large.bin', generated(total))
        expect(result.size).toBe(total)
        expect(await sha256((await store.get('up/large.bin')).body)).toBe(generatedHash(total))
        expect(await store.head('up/large.bin')).toMatchObject({ size: total, etag: result.etag })
      })

      it('stores an empty body', async () => {
        expect(await store.upload('up/empty', Readable.from([]))).toMatchObject({ size: 0 })
        expect((await store.getBuffer('up/empty')).body.length).toBe(0)
      })

      it('accepts a body of exactly maxBytes', async () => {
        const result = await store.upload('up/exact', generated(1000), { maxBytes: 1000 })
        expect(result.size).toBe(1000)
      })

      it('refuses a body over maxBytes with TooLarge, keeping what the key held', {
        timeout: 60_000,
      }, async () => {
        await store.put('up/limited', 'before')
        const body = generated(20 * MiB)
        await expect(
          store.upload('up/limited', body, { maxBytes: 12 * MiB }),
        ).rejects.toMatchObject({ code: 'TooLarge' })
        expect(body.destroyed).toBe(true)
        expect((await store.getBuffer('up/limited')).body.toString()).toBe('before')
      })

      it('stores nothing when the body fails midway', async () => {
        const body = brokenBody(Buffer.alloc(1024, 1), 'fail')
        await expect(store.upload('up/broken', body)).rejects.toMatchObject({
          code: 'InvalidArgument',
        })
        expect(await store.head('up/broken')).toBeUndefined()
      })

      it('stops and stores nothing when the signal aborts', async () => {
        const controller = new AbortController()
        const body = brokenBody(Buffer.alloc(1024, 1), 'hang')
        const uploading = store.upload('up/aborted', body, { signal: controller.signal })
        setTimeout(() => controller.abort(), 50)
        await expect(uploading).rejects.toMatchObject({ code: 'InvalidArgument' })
        expect(await store.head('up/aborted')).toBeUndefined()
      })
    })

    describe('conditional writes', () => {
      it('creates an absent key with ifNoneMatch *', async () => {
        await store.put('cw/new', 'v', { ifNoneMatch: '*' })
        expect((await store.getBuffer('cw/new')).body.toString()).toBe('v')
      })

      it('refuses ifNoneMatch * on an existing key and keeps the original', async () => {
        await store.put('cw/exists', 'original')
        await expect(store.put('cw/exists', 'new', { ifNoneMatch: '*' })).rejects.toMatchObject({
          code: 'PreconditionFailed',
        })
        expect((await store.getBuffer('cw/exists')).body.toString()).toBe('original')
      })

      it('replaces an object whose etag matches ifMatch', async () => {
        const { etag } = await store.put('cw/match', 'v1')
        const next = await store.put('cw/match', 'v2', { ifMatch: etag })
        expect((await store.getBuffer('cw/match')).info.etag).toBe(next.etag)
      })

      it('refuses a stale ifMatch with PreconditionFailed and keeps the object', async () => {
        const { etag } = await store.put('cw/stale', 'v1')
        await store.put('cw/stale', 'v2')
        await expect(store.put('cw/stale', 'v3', { ifMatch: etag })).rejects.toMatchObject({
          code: 'PreconditionFailed',
        })
        expect((await store.getBuffer('cw/stale')).body.toString()).toBe('v2')
      })

      it('answers ifMatch on an absent key with NotFound, as S3 does', async () => {
        await expect(
          store.put('cw/missing', 'v', { ifMatch: '"5eb63bbbe01eeed093cb22bb8f5acdc3"' }),
        ).rejects.toMatchObject({ code: 'NotFound' })
        expect(await store.head('cw/missing')).toBeUndefined()
      })
    })

    describe('list', () => {
      it('pages through 1,050 keys with limit 1000, each key once and in order', {
        timeout: 120_000,
      }, async () => {
        const keys = Array.from({ length: 1050 }, (_, i) => `pages/${String(i).padStart(4, '0')}`)
        await eachLimit(keys, 16, (key) => store.put(key, 'x'))
        const pages = await listAll(store, { prefix: 'pages/', limit: 1000 })
        expect(pages.map((p) => p.objects.length)).toEqual([1000, 50])
        expect(pages.flatMap((p) => p.objects.map((o) => o.key))).toEqual(keys)
        const deleted = await Promise.all([
          store.delete(keys.slice(0, 1000)),
          store.delete(keys.slice(1000)),
        ])
        expect(deleted.flatMap((d) => d.deleted)).toHaveLength(1050)
      })

      it('gives each object its size and etag', async () => {
        const { etag } = await store.put('info/one', 'four')
        const page = await store.list({ prefix: 'info/' })
        expect(page.objects).toEqual([expect.objectContaining({ key: 'info/one', size: 4, etag })])
        expect(page.nextCursor).toBeUndefined()
      })

      it('orders keys by their UTF-8 bytes', async () => {
        const keys = [
          'ord/a-c',
          'ord/a/b',
          'ord/a0',
          'ord/B',
          'ord/ä',
          'ord/\u{1F600}',
          'ord/\uFFFD',
          'ord/a.txt',
          'ord/a',
        ].filter((key) => options.keyAlsoFolder || key !== 'ord/a')
        await Promise.all(keys.map((key) => store.put(key, 'x')))
        const listed = (await store.list({ prefix: 'ord/' })).objects.map((o) => o.key)
        expect(listed).toEqual(
          [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        )
      })

      it('folds keys below the delimiter into prefixes, one level deep', async () => {
        const keys = ['dl/a.txt', 'dl/b/1', 'dl/b/2/deep', 'dl/c/', 'dl/c/x', 'dl/e', 'dlx']
        // A folder marker (a key ending in /) is empty: a local bucket keeps it as a directory.
        await Promise.all(keys.map((key) => store.put(key, key.endsWith('/') ? '' : 'x')))
        const page = await store.list({ prefix: 'dl/', delimiter: '/' })
        expect(page.objects.map((o) => o.key)).toEqual(['dl/a.txt', 'dl/e'])
        expect(page.prefixes).toEqual(['dl/b/', 'dl/c/'])
        expect(page.nextCursor).toBeUndefined()
      })

      it('counts prefixes against the limit and pages through them', async () => {
        const keys = ['dp/1', 'dp/2/a', 'dp/2/b', 'dp/3/a', 'dp/4', 'dp/5/a']
        await Promise.all(keys.map((key) => store.put(key, 'x')))
        const pages = await listAll(store, { prefix: 'dp/', delimiter: '/', limit: 2 })
        expect(pages.map((p) => [...p.objects.map((o) => o.key), ...p.prefixes])).toEqual([
          ['dp/1', 'dp/2/'],
          ['dp/4', 'dp/3/'],
          ['dp/5/'],
        ])
      })

      it('lists nothing under an unused prefix', async () => {
        expect(await store.list({ prefix: 'nothing-here/' })).toEqual({ objects: [], prefixes: [] })
      })

      // S3 only: a local bucket refuses such a key (objects-local-dir.test.ts shows how).
      if (options.keyAlsoFolder) {
        it('keeps a key apart from the keys below it as a folder', async () => {
          await store.put('kf/a', 'file')
          await store.put('kf/a/b', 'below')
          expect((await store.list({ prefix: 'kf/' })).objects.map((o) => o.key)).toEqual([
            'kf/a',
            'kf/a/b',
          ])
          expect((await store.getBuffer('kf/a')).body.toString()).toBe('file')
        })
      }

      it('keeps a folder marker ending in / apart from the keys under it', async () => {
        await store.put('fm/folder/', '')
        await store.put('fm/folder/file', 'x')
        expect(await store.head('fm/folder/')).toMatchObject({ size: 0 })
        expect((await store.list({ prefix: 'fm/' })).objects.map((o) => o.key)).toEqual([
          'fm/folder/',
          'fm/folder/file',
        ])
        await store.delete(['fm/folder/'])
        expect((await store.list({ prefix: 'fm/' })).objects.map((o) => o.key)).toEqual([
          'fm/folder/file',
        ])
      })
    })

    describe('delete and copy', () => {
      it('deletes a batch and counts an absent key as deleted', async () => {
        await store.put('del/a', 'x')
        await store.put('del/b', 'x')
        const result = await store.delete(['del/a', 'del/b', 'del/absent'])
        expect(result.errors).toEqual([])
        expect([...result.deleted].sort()).toEqual(['del/a', 'del/absent', 'del/b'])
        expect(await store.head('del/a')).toBeUndefined()
        expect((await store.list({ prefix: 'del/' })).objects).toEqual([])
      })

      it('copies the bytes, content type and metadata', async () => {
        const source = await store.put('cp/src', 'copied', {
          contentType: 'text/x',
          metadata: { m: '1' },
        })
        const { etag } = await store.copy('cp/src', 'cp/dst')
        expect(etag).toBe(source.etag)
        const { body, info } = await store.getBuffer('cp/dst')
        expect(body.toString()).toBe('copied')
        expect(info).toMatchObject({ contentType: 'text/x', metadata: { m: '1' } })
      })

      it('throws NotFound copying an absent source', async () => {
        await expect(store.copy('cp/absent', 'cp/never')).rejects.toMatchObject({
          code: 'NotFound',
        })
        expect(await store.head('cp/never')).toBeUndefined()
      })

      it('refuses a copy with ifNoneMatch * onto an existing key', async () => {
        await store.put('cp/a', 'a')
        await store.put('cp/b', 'b')
        await expect(store.copy('cp/a', 'cp/b', { ifNoneMatch: '*' })).rejects.toMatchObject({
          code: 'PreconditionFailed',
        })
        expect((await store.getBuffer('cp/b')).body.toString()).toBe('b')
        await store.copy('cp/a', 'cp/c', { ifNoneMatch: '*' })
        expect((await store.getBuffer('cp/c')).body.toString()).toBe('a')
      })
    })

    describe('presigned URLs', () => {
      it('serves the bytes and content type to a plain GET of a presigned URL', async () => {
        await store.put('ps/get.txt', 'presigned body', { contentType: 'text/plain' })
        const response = await fetch(await store.presignGet('ps/get.txt', 60))
        expect(response.status).toBe(200)
        expect(response.headers.get('content-type')).toBe('text/plain')
        expect(await response.text()).toBe('presigned body')
      })

      it('answers a presigned GET as an attachment named after the key', async () => {
        await store.put('ps/page ü.html', '<script>alert(1)</script>', { contentType: 'text/html' })
        const response = await fetch(await store.presignGet('ps/page ü.html', 60))
        expect(response.status).toBe(200)
        expect(response.headers.get('content-disposition')).toBe(
          `attachment; filename="page _.html"; filename*=UTF-8''page%20%C3%BC.html`,
        )
        await response.text()
      })

      it('creates exactly the signed key from a presigned POST form', async () => {
        const post = await store.presignPost('ps/up load+ü.bin', {
          expiresInSeconds: 60,
          maxBytes: 100,
        })
        expect(post.fields.key).toBe('ps/up load+ü.bin')
        const response = await fetch(post.url, {
          method: 'POST',
          body: postForm(post.fields, 'uploaded'),
        })
        expect(response.status).toBe(204)
        expect((await store.getBuffer('ps/up load+ü.bin')).body.toString()).toBe('uploaded')
        expect((await store.list({ prefix: 'ps/up' })).objects.map((o) => o.key)).toEqual([
          'ps/up load+ü.bin',
        ])
      })
    })

    describe('keys and health', () => {
      it('handles keys with spaces, unicode and +', async () => {
        const key = 'odd/sp ace/ü+ñ 😀 a+b=c&d.txt'
        await store.put(key, 'odd')
        expect((await store.getBuffer(key)).body.toString()).toBe('odd')
        expect((await store.list({ prefix: 'odd/sp ace/' })).objects.map((o) => o.key)).toEqual([
          key,
        ])
        await store.copy(key, `${key}.copy`)
        expect(await (await fetch(await store.presignGet(`${key}.copy`, 60))).text()).toBe('odd')
        expect((await store.delete([key])).deleted).toEqual([key])
      })

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined()
      })
    })
  })
}
