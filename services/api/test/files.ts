/**
 * The /files API as a client sees it, over real HTTP to the api listening on a port, on the
 * drivers given: moto's S3 or the local directory store (whose presigned URLs the api serves).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FilesApp, listAll, startFilesApp, tenantToken } from './files-helpers.ts'
import { describeFileOrganizing } from './files-organizing.ts'
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
  describeFileOrganizing({
    drivers,
    get app() {
      return app
    },
    tenant,
    put,
  })

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
}
