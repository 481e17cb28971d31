/**
 * The /files API as a client sees it, over real HTTP to the api listening on a port, on the
 * drivers given: moto's S3 or the local directory store (whose presigned URLs the api serves).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type FilesApp,
  fileBytes,
  listAll,
  presignedForm,
  startFilesApp,
  tenantToken,
} from './files-helpers.ts'
import type { Drivers } from './helpers.ts'

export function describeFiles(drivers: Drivers): void {
  let app: FilesApp
  beforeAll(async () => {
    app = await startFilesApp(drivers, { MAX_UPLOAD_BYTES: '1000' })
  })
  afterAll(() => app?.close())

  // Each test works in its own tenant, so listings and counts see only its files.
  let n = 0
  const tenant = () => tenantToken(`${drivers}-tenant-${++n}`)
  const put = async (token: string, path: string, body: string, type = 'text/plain') => {
    const slash = path.lastIndexOf('/')
    const folder = slash < 0 ? '' : path.slice(0, slash)
    const name = path.slice(slash + 1)
    const res = await app.upload(token, [{ name, body, type }], {
      path: `/files/upload?folder=${encodeURIComponent(folder)}`,
    })
    expect(res.status, await res.clone().text()).toBe(201)
  }

  describe('POST /files/upload', () => {
    it('stores the file part under the folder and answers 201 with key, size, type and etag', async () => {
      const token = tenant()
      const res = await app.upload(token, [{ name: 'a.txt', body: 'hello', type: 'text/plain' }], {
        path: '/files/upload?folder=docs',
      })
      expect(res.status).toBe(201)
      const body = await res.json()
      expect(body).toMatchObject({ key: 'docs/a.txt', size: 5, content_type: 'text/plain' })
      expect(body.etag).toMatch(/^".+"$/)
      const download = await app.call(token, '/files/download/docs/a.txt')
      expect(await download.text()).toBe('hello')
    })

    it('stores at the root without a folder and records tenant_id and original_filename', async () => {
      const token = tenantToken('meta-tenant')
      await put(token, 'résumé 1.pdf', '%PDF', 'application/pdf')
      const res = await app.call(token, `/files/metadata/${encodeURIComponent('résumé 1.pdf')}`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({
        key: 'résumé 1.pdf',
        size: 4,
        content_type: 'application/pdf',
        metadata: {
          tenant_id: 'meta-tenant',
          original_filename: encodeURIComponent('résumé 1.pdf'),
        },
      })
    })

    it('answers 413 for a file over MAX_UPLOAD_BYTES and stores nothing', async () => {
      const token = tenant()
      const res = await app.upload(token, [{ name: 'big.bin', body: 'x'.repeat(1001) }])
      expect(res.status).toBe(413)
      expect((await res.json()).detail).toMatch(/larger than the limit of 1000 bytes/)
      expect((await app.call(token, '/files/metadata/big.bin')).status).toBe(404)
    })

    it('accepts a file of exactly MAX_UPLOAD_BYTES', async () => {
      const res = await app.upload(tenant(), [{ name: 'edge.bin', body: 'x'.repeat(1000) }])
      expect(res.status).toBe(201)
      expect((await res.json()).size).toBe(1000)
    })

    it('answers 422 naming the field when there is no file part', async () => {
      const form = new FormData()
      form.append('note', 'no file here')
      const res = await app.call(tenant(), '/files/upload', { method: 'POST', body: form })
      expect(res.status).toBe(422)
      expect(await res.json()).toMatchObject({ errors: [{ path: '/file' }] })
    })

    it('answers 415 to a JSON body', async () => {
      const res = await app.json(tenant(), 'POST', '/files/upload', { file: 'x' })
      expect(res.status).toBe(415)
    })

    it('answers 400 "Invalid path" for a folder that climbs out and stores nothing', async () => {
      const token = tenant()
      const res = await app.upload(token, [{ name: 'x.txt', body: 'x' }], {
        path: '/files/upload?folder=../other',
      })
      expect(res.status).toBe(400)
      expect((await res.json()).detail).toBe('Invalid path')
    })
  })

  describe('POST /files/upload-multiple', () => {
    it('stores every "files" part and answers 201 with the count', async () => {
      const token = tenant()
      const res = await app.upload(
        token,
        [
          { name: 'one.txt', body: '1' },
          { name: 'two.txt', body: '22' },
          { name: 'three.txt', body: '333' },
        ],
        { path: '/files/upload-multiple?folder=batch', field: 'files' },
      )
      expect(res.status).toBe(201)
      const body = await res.json()
      expect(body.uploaded).toBe(3)
      expect(body.files.map((f: { key: string; size: number }) => [f.key, f.size])).toEqual([
        ['batch/one.txt', 1],
        ['batch/two.txt', 2],
        ['batch/three.txt', 3],
      ])
    })

    it('stores none of the files when one is over the limit', async () => {
      const token = tenant()
      const res = await app.upload(
        token,
        [
          { name: 'ok.txt', body: 'fine' },
          { name: 'huge.bin', body: 'y'.repeat(1500) },
        ],
        { path: '/files/upload-multiple?folder=batch', field: 'files' },
      )
      expect(res.status).toBe(413)
      const listing = await listAll(app, token, '')
      expect(listing.flatMap((p) => p.items)).toEqual([])
    })
  })

  describe('GET /files/download/{path}', () => {
    it('streams the bytes with the stored type and an attachment disposition', async () => {
      const token = tenant()
      await put(token, 'reports/naïve, v2.csv', 'a,b\n1,2\n', 'text/csv')
      const res = await app.call(
        token,
        `/files/download/reports/${encodeURIComponent('naïve, v2.csv')}`,
      )
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/csv')
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="na_ve, v2.csv"; filename*=UTF-8''na%C3%AFve%2C%20v2.csv`,
      )
      expect(res.headers.get('accept-ranges')).toBe('bytes')
      expect(await res.text()).toBe('a,b\n1,2\n')
    })

    it('answers a Range request with 206 and just those bytes', async () => {
      const token = tenant()
      await put(token, 'r.txt', '0123456789')
      const res = await app.call(token, '/files/download/r.txt', {
        headers: { range: 'bytes=2-5' },
      })
      expect(res.status).toBe(206)
      expect(res.headers.get('content-range')).toBe('bytes 2-5/10')
      expect(await res.text()).toBe('2345')
      const tail = await app.call(token, '/files/download/r.txt', {
        headers: { range: 'bytes=-3' },
      })
      expect(tail.status).toBe(206)
      expect(await tail.text()).toBe('789')
      const open = await app.call(token, '/files/download/r.txt', {
        headers: { range: 'bytes=7-' },
      })
      expect(await open.text()).toBe('789')
    })

    it('answers 416 with the size for a range past the end', async () => {
      const token = tenant()
      await put(token, 'r.txt', '0123456789')
      const res = await app.call(token, '/files/download/r.txt', {
        headers: { range: 'bytes=50-60' },
      })
      expect(res.status).toBe(416)
      expect(res.headers.get('content-range')).toBe('bytes */10')
    })

    it('answers 404 "File not found" for an absent file', async () => {
      const res = await app.call(tenant(), '/files/download/nope.txt')
      expect(res.status).toBe(404)
      expect((await res.json()).detail).toBe('File not found')
    })
  })

  describe('GET /files/metadata/{path}', () => {
    it('answers key, size, type, last_modified, etag and metadata', async () => {
      const token = tenant()
      await put(token, 'm/a.json', '{"a":1}', 'application/json')
      const res = await app.call(token, '/files/metadata/m/a.json')
      const body = await res.json()
      expect(body).toMatchObject({ key: 'm/a.json', size: 7, content_type: 'application/json' })
      expect(Date.now() - Date.parse(body.last_modified)).toBeLessThan(5 * 60_000)
      expect(body.etag).toMatch(/^".+"$/)
    })

    it('answers 404 for an absent file', async () => {
      expect((await app.call(tenant(), '/files/metadata/none')).status).toBe(404)
    })
  })

  describe('GET /files/list', () => {
    it('lists one level: files, then sub-folders, keys relative to the tenant root', async () => {
      const token = tenant()
      await put(token, 'top/b.txt', 'b')
      await put(token, 'top/a.txt', 'a')
      await put(token, 'top/sub/deep.txt', 'd')
      await put(token, 'other.txt', 'o')
      const res = await app.call(token, '/files/list?folder=top')
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body.folder).toBe('top/')
      expect(body.next_cursor).toBeNull()
      expect(body.items.map((i: { key: string; type: string }) => [i.type, i.key])).toEqual([
        ['file', 'top/a.txt'],
        ['file', 'top/b.txt'],
        ['folder', 'top/sub/'],
      ])
      expect(body.items[0]).toMatchObject({ name: 'a.txt', size: 1 })
      const root = await (await app.call(token, '/files/list')).json()
      expect(root.items.map((i: { key: string }) => i.key)).toEqual(['other.txt', 'top/'])
    })

    it('pages with next_cursor until every file was listed once', async () => {
      const token = tenant()
      for (const name of ['1', '2', '3', '4', '5']) await put(token, `p/${name}.txt`, name)
      const pages = await listAll(app, token, 'p', 2)
      expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1])
      expect(pages.flatMap((p) => p.items.map((i) => i.key))).toEqual(
        ['1', '2', '3', '4', '5'].map((name) => `p/${name}.txt`),
      )
    })

    it('answers 400 "Invalid cursor" for a cursor of another folder', async () => {
      const token = tenant()
      for (const name of ['1', '2']) await put(token, `c/${name}.txt`, name)
      const [first] = await listAll(app, token, 'c', 1)
      const res = await app.call(token, `/files/list?folder=d&cursor=${first?.next_cursor}`)
      expect(res.status).toBe(400)
      expect((await res.json()).detail).toBe('Invalid cursor')
    })

    it('answers an empty page for a folder that does not exist', async () => {
      const res = await app.call(tenant(), '/files/list?folder=nothing')
      expect(await res.json()).toMatchObject({ items: [], next_cursor: null })
    })
  })

  describe('DELETE /files/delete/{path}', () => {
    it('deletes the file and answers its key; the file is gone', async () => {
      const token = tenant()
      await put(token, 'del/x.txt', 'x')
      const res = await app.call(token, '/files/delete/del/x.txt', { method: 'DELETE' })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ key: 'del/x.txt' })
      expect((await app.call(token, '/files/metadata/del/x.txt')).status).toBe(404)
    })

    it('answers 404 for an absent file', async () => {
      const res = await app.call(tenant(), '/files/delete/none.txt', { method: 'DELETE' })
      expect(res.status).toBe(404)
      expect((await res.json()).detail).toBe('File not found')
    })
  })

  describe('POST /files/delete-multiple', () => {
    it('deletes the paths given and lists them as deleted', async () => {
      const token = tenant()
      await put(token, 'dm/a.txt', 'a')
      await put(token, 'dm/b.txt', 'b')
      await put(token, 'dm/keep.txt', 'k')
      const res = await app.json(token, 'POST', '/files/delete-multiple', {
        paths: ['dm/a.txt', 'dm/b.txt'],
      })
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body.deleted.sort()).toEqual(['dm/a.txt', 'dm/b.txt'])
      expect(body.errors).toEqual([])
      const left = (await listAll(app, token, 'dm')).flatMap((p) => p.items.map((i) => i.key))
      expect(left).toEqual(['dm/keep.txt'])
    })

    it('answers 422 for an empty list and for more than 1000 paths', async () => {
      const token = tenant()
      const empty = await app.json(token, 'POST', '/files/delete-multiple', { paths: [] })
      expect(empty.status).toBe(422)
      const paths = Array.from({ length: 1001 }, (_, i) => `f${i}`)
      const many = await app.json(token, 'POST', '/files/delete-multiple', { paths })
      expect(many.status).toBe(422)
    })

    it('answers 400 "Invalid path" naming the bad entry, and deletes none', async () => {
      const token = tenant()
      await put(token, 'dm/a.txt', 'a')
      const res = await app.json(token, 'POST', '/files/delete-multiple', {
        paths: ['dm/a.txt', '../t/x'],
      })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({
        detail: 'Invalid path',
        errors: [{ path: '/paths/1' }],
      })
      expect((await app.call(token, '/files/metadata/dm/a.txt')).status).toBe(200)
    })
  })

  describe('folders', () => {
    it('creates a zero-byte "<path>/" marker that lists as a folder', async () => {
      const token = tenant()
      const res = await app.json(token, 'POST', '/files/folder/create', { path: 'projects/new' })
      expect(res.status).toBe(201)
      expect(await res.json()).toEqual({ key: 'projects/new/' })
      const listing = await (await app.call(token, '/files/list?folder=projects')).json()
      expect(listing.items).toEqual([{ key: 'projects/new/', name: 'new', type: 'folder' }])
      const inside = await (await app.call(token, '/files/list?folder=projects/new')).json()
      expect(inside.items).toEqual([])
    })

    it('deletes everything under a folder, however deep, and answers the count', async () => {
      const token = tenant()
      await app.json(token, 'POST', '/files/folder/create', { path: 'tree' })
      await put(token, 'tree/a.txt', 'a')
      await put(token, 'tree/sub/b.txt', 'b')
      await put(token, 'tree/sub/deeper/c.txt', 'c')
      await put(token, 'treehouse.txt', 'not under tree/')
      const res = await app.call(token, '/files/folder/delete?path=tree', { method: 'DELETE' })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ deleted: 4 })
      const root = await (await app.call(token, '/files/list')).json()
      expect(root.items.map((i: { key: string }) => i.key)).toEqual(['treehouse.txt'])
    })

    it('answers 200 with 0 for a folder with nothing in it', async () => {
      const res = await app.call(tenant(), '/files/folder/delete?path=empty', { method: 'DELETE' })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ deleted: 0 })
    })
  })

  describe('copy and move', () => {
    it('copies a file with its type, leaving the source', async () => {
      const token = tenant()
      await put(token, 'src/a.json', '{"v":1}', 'application/json')
      const res = await app.json(token, 'POST', '/files/copy', {
        source: 'src/a.json',
        destination: 'dst/a.json',
      })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ source: 'src/a.json', destination: 'dst/a.json' })
      const copy = await app.call(token, '/files/download/dst/a.json')
      expect(copy.headers.get('content-type')).toBe('application/json')
      expect(await copy.text()).toBe('{"v":1}')
      expect((await app.call(token, '/files/metadata/src/a.json')).status).toBe(200)
    })

    it('moves a file: the destination has the bytes, the source is gone', async () => {
      const token = tenant()
      await put(token, 'src/m.txt', 'moving')
      const res = await app.json(token, 'POST', '/files/move', {
        source: 'src/m.txt',
        destination: 'dst/m.txt',
      })
      expect(res.status).toBe(200)
      expect(await (await app.call(token, '/files/download/dst/m.txt')).text()).toBe('moving')
      expect((await app.call(token, '/files/metadata/src/m.txt')).status).toBe(404)
    })

    it('answers 404 "Source file not found" for an absent source', async () => {
      const res = await app.json(tenant(), 'POST', '/files/move', {
        source: 'no',
        destination: 'x',
      })
      expect(res.status).toBe(404)
      expect((await res.json()).detail).toBe('Source file not found')
    })

    it('answers 409 when the destination exists, and keeps both files as they were', async () => {
      const token = tenant()
      await put(token, 'a.txt', 'A')
      await put(token, 'b.txt', 'B')
      for (const verb of ['copy', 'move']) {
        const res = await app.json(token, 'POST', `/files/${verb}`, {
          source: 'a.txt',
          destination: 'b.txt',
        })
        expect(res.status).toBe(409)
      }
      expect(await (await app.call(token, '/files/download/a.txt')).text()).toBe('A')
      expect(await (await app.call(token, '/files/download/b.txt')).text()).toBe('B')
    })

    it('replaces the destination with overwrite: true', async () => {
      const token = tenant()
      await put(token, 'a.txt', 'A')
      await put(token, 'b.txt', 'B')
      const res = await app.json(token, 'POST', '/files/move', {
        source: 'a.txt',
        destination: 'b.txt',
        overwrite: true,
      })
      expect(res.status).toBe(200)
      expect(await (await app.call(token, '/files/download/b.txt')).text()).toBe('A')
      expect((await app.call(token, '/files/metadata/a.txt')).status).toBe(404)
    })

    it('answers 422 when the source is the destination, and the file stays', async () => {
      const token = tenant()
      await put(token, 'same.txt', 'S')
      const res = await app.json(token, 'POST', '/files/move', {
        source: 'same.txt',
        destination: 'same.txt',
        overwrite: true,
      })
      expect(res.status).toBe(422)
      expect(await (await app.call(token, '/files/download/same.txt')).text()).toBe('S')
    })
  })

  describe('presigned URLs', () => {
    it('gives a URL that a plain GET, without a token, downloads the bytes from', async () => {
      const token = tenant()
      await put(token, 'share/p.txt', 'presigned bytes')
      const res = await app.call(token, '/files/presigned-url/share/p.txt?expires_in=60')
      expect(res.status).toBe(200)
      const { url, expires_in } = await res.json()
      expect(expires_in).toBe(60)
      const plain = await fetch(url)
      expect(plain.status).toBe(200)
      expect(await plain.text()).toBe('presigned bytes')
    })

    it('answers 422 for expires_in of 0 or past PRESIGN_MAX_SECONDS', async () => {
      const token = tenant()
      await put(token, 'p.txt', 'p')
      for (const expires of ['0', '604801']) {
        const res = await app.call(token, `/files/presigned-url/p.txt?expires_in=${expires}`)
        expect(res.status).toBe(422)
      }
    })

    it('answers 404 for an absent file', async () => {
      expect((await app.call(tenant(), '/files/presigned-url/none.txt')).status).toBe(404)
    })

    it('gives a POST form that a plain multipart POST uses to create exactly that file', async () => {
      const token = tenant()
      const res = await app.json(token, 'POST', '/files/presigned-upload', {
        path: 'forms/form.txt',
        expires_in: 120,
        max_bytes: 100,
      })
      expect(res.status).toBe(200)
      const post = await res.json()
      expect(post.expires_in).toBe(120)
      const sent = await fetch(post.url, {
        method: 'POST',
        body: presignedForm(post, 'from a form'),
      })
      expect(sent.status).toBeLessThan(300)
      expect(await fileBytes(app, token, 'forms/form.txt')).toBe('from a form')
    })

    const form = async (token: string, path: string, extra: object = {}) => {
      const res = await app.json(token, 'POST', '/files/presigned-upload', { path, ...extra })
      expect(res.status).toBe(200)
      return (await res.json()) as { url: string; fields: Record<string, string> }
    }

    if (drivers === 'aws') {
      // moto checks no POST policy; S3 does. The policy is what S3 enforces: check it says so.
      it('pins the form to exactly its key and at most max_bytes in the signed policy', async () => {
        const post = await form(tenantToken('policy-tenant'), 'in/x.bin', { max_bytes: 500 })
        expect(post.fields.key).toBe('tenants/t/policy-tenant/in/x.bin')
        const policy = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString())
        expect(policy.conditions).toEqual(
          expect.arrayContaining([
            ['eq', '$key', 'tenants/t/policy-tenant/in/x.bin'],
            ['content-length-range', 0, 500],
          ]),
        )
        expect(Date.parse(policy.expiration) - Date.now()).toBeLessThanOrEqual(3600_000)
      })
    } else {
      it('refuses a form POST of more than max_bytes and stores nothing', async () => {
        const token = tenant()
        const post = await form(token, 'in/small.bin', { max_bytes: 5 })
        const sent = await fetch(post.url, { method: 'POST', body: presignedForm(post, '123456') })
        expect(sent.status).toBeGreaterThanOrEqual(400)
        expect((await app.call(token, '/files/metadata/in/small.bin')).status).toBe(404)
      })

      it('refuses a form whose key was changed to another', async () => {
        const token = tenant()
        const post = await form(token, 'in/mine.bin')
        const fields = { ...post.fields, key: 'tenants/t/someone-else/in/mine.bin' }
        const sent = await fetch(post.url, { method: 'POST', body: presignedForm({ fields }, 'x') })
        expect(sent.status).toBe(403)
      })

      it('refuses a presigned URL once it expired', async () => {
        const token = tenant()
        await put(token, 'soon.txt', 'gone soon')
        const res = await app.call(token, '/files/presigned-url/soon.txt?expires_in=1')
        const { url } = await res.json()
        await new Promise((resolve) => setTimeout(resolve, 1100))
        expect((await fetch(url)).status).toBe(403)
      })
    }

    it('answers 422 for an upload form past PRESIGN_UPLOAD_MAX_SECONDS or MAX_UPLOAD_BYTES', async () => {
      const token = tenant()
      const long = await app.json(token, 'POST', '/files/presigned-upload', {
        path: 'x',
        expires_in: 3601,
      })
      expect(long.status).toBe(422)
      const big = await app.json(token, 'POST', '/files/presigned-upload', {
        path: 'x',
        max_bytes: 1001,
      })
      expect(big.status).toBe(422)
    })
  })
}
