/** Deleting many, folders, copy and move, presigned URLs: the rest of describeFiles (files.ts). */
import { describe, expect, it } from 'vitest'
import { type FilesApp, fileBytes, listAll, presignedForm, tenantToken } from './files-helpers.ts'
import type { Drivers } from './helpers.ts'

export interface FilesContext {
  drivers: Drivers
  /** The app of the suite, set once its beforeAll ran. */
  readonly app: FilesApp
  /** A token of a tenant of its own. */
  tenant(): string
  /** Uploads `body` to `path`, expecting 201. */
  put(token: string, path: string, body: string, type?: string): Promise<void>
}

export function describeFileOrganizing(ctx: FilesContext): void {
  describe('POST /files/delete-multiple', () => {
    it('deletes the paths given and lists them as deleted', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'dm/a.txt', 'a')
      await ctx.put(token, 'dm/b.txt', 'b')
      await ctx.put(token, 'dm/keep.txt', 'k')
      const res = await ctx.app.json(token, 'POST', '/files/delete-multiple', {
        paths: ['dm/a.txt', 'dm/b.txt'],
      })
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body.deleted.sort()).toEqual(['dm/a.txt', 'dm/b.txt'])
      expect(body.errors).toEqual([])
      const left = (await listAll(ctx.app, token, 'dm')).flatMap((p) => p.items.map((i) => i.key))
      expect(left).toEqual(['dm/keep.txt'])
    })

    it('answers 422 for an empty list and for more than 1000 paths', async () => {
      const token = ctx.tenant()
      const empty = await ctx.app.json(token, 'POST', '/files/delete-multiple', { paths: [] })
      expect(empty.status).toBe(422)
      const paths = Array.from({ length: 1001 }, (_, i) => `f${i}`)
      const many = await ctx.app.json(token, 'POST', '/files/delete-multiple', { paths })
      expect(many.status).toBe(422)
    })

    it('answers 400 "Invalid path" naming the bad entry, and deletes none', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'dm/a.txt', 'a')
      const res = await ctx.app.json(token, 'POST', '/files/delete-multiple', {
        paths: ['dm/a.txt', '../t/x'],
      })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({
        detail: 'Invalid path',
        errors: [{ path: '/paths/1' }],
      })
      expect((await ctx.app.call(token, '/files/metadata/dm/a.txt')).status).toBe(200)
    })
  })

  describe('folders', () => {
    it('creates a zero-byte "<path>/" marker that lists as a folder', async () => {
      const token = ctx.tenant()
      const res = await ctx.app.json(token, 'POST', '/files/folder/create', {
        path: 'projects/new',
      })
      expect(res.status).toBe(201)
      expect(await res.json()).toEqual({ key: 'projects/new/' })
      const listing = await (await ctx.app.call(token, '/files/list?folder=projects')).json()
      expect(listing.items).toEqual([{ key: 'projects/new/', name: 'new', type: 'folder' }])
      const inside = await (await ctx.app.call(token, '/files/list?folder=projects/new')).json()
      expect(inside.items).toEqual([])
    })

    it('deletes everything under a folder, however deep, and answers the count', async () => {
      const token = ctx.tenant()
      await ctx.app.json(token, 'POST', '/files/folder/create', { path: 'tree' })
      await ctx.put(token, 'tree/a.txt', 'a')
      await ctx.put(token, 'tree/sub/b.txt', 'b')
      await ctx.put(token, 'tree/sub/deeper/c.txt', 'c')
      await ctx.put(token, 'treehouse.txt', 'not under tree/')
      const res = await ctx.app.call(token, '/files/folder/delete?path=tree', { method: 'DELETE' })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ deleted: 4 })
      const root = await (await ctx.app.call(token, '/files/list')).json()
      expect(root.items.map((i: { key: string }) => i.key)).toEqual(['treehouse.txt'])
    })

    it('answers 200 with 0 for a folder with nothing in it', async () => {
      const res = await ctx.app.call(ctx.tenant(), '/files/folder/delete?path=empty', {
        method: 'DELETE',
      })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ deleted: 0 })
    })
  })

  describe('copy and move', () => {
    it('copies a file with its type, leaving the source', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'src/a.json', '{"v":1}', 'application/json')
      const res = await ctx.app.json(token, 'POST', '/files/copy', {
        source: 'src/a.json',
        destination: 'dst/a.json',
      })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ source: 'src/a.json', destination: 'dst/a.json' })
      const copy = await ctx.app.call(token, '/files/download/dst/a.json')
      expect(copy.headers.get('content-type')).toBe('application/json')
      expect(await copy.text()).toBe('{"v":1}')
      expect((await ctx.app.call(token, '/files/metadata/src/a.json')).status).toBe(200)
    })

    it('moves a file: the destination has the bytes, the source is gone', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'src/m.txt', 'moving')
      const res = await ctx.app.json(token, 'POST', '/files/move', {
        source: 'src/m.txt',
        destination: 'dst/m.txt',
      })
      expect(res.status).toBe(200)
      expect(await (await ctx.app.call(token, '/files/download/dst/m.txt')).text()).toBe('moving')
      expect((await ctx.app.call(token, '/files/metadata/src/m.txt')).status).toBe(404)
    })

    it('answers 404 "Source file not found" for an absent source', async () => {
      const res = await ctx.app.json(ctx.tenant(), 'POST', '/files/move', {
        source: 'no',
        destination: 'x',
      })
      expect(res.status).toBe(404)
      expect((await res.json()).detail).toBe('Source file not found')
    })

    it('answers 409 when the destination exists, and keeps both files as they were', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'a.txt', 'A')
      await ctx.put(token, 'b.txt', 'B')
      for (const verb of ['copy', 'move']) {
        const res = await ctx.app.json(token, 'POST', `/files/${verb}`, {
          source: 'a.txt',
          destination: 'b.txt',
        })
        expect(res.status).toBe(409)
      }
      expect(await (await ctx.app.call(token, '/files/download/a.txt')).text()).toBe('A')
      expect(await (await ctx.app.call(token, '/files/download/b.txt')).text()).toBe('B')
    })

    it('replaces the destination with overwrite: true', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'a.txt', 'A')
      await ctx.put(token, 'b.txt', 'B')
      const res = await ctx.app.json(token, 'POST', '/files/move', {
        source: 'a.txt',
        destination: 'b.txt',
        overwrite: true,
      })
      expect(res.status).toBe(200)
      expect(await (await ctx.app.call(token, '/files/download/b.txt')).text()).toBe('A')
      expect((await ctx.app.call(token, '/files/metadata/a.txt')).status).toBe(404)
    })

    it('answers 422 when the source is the destination, and the file stays', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'same.txt', 'S')
      const res = await ctx.app.json(token, 'POST', '/files/move', {
        source: 'same.txt',
        destination: 'same.txt',
        overwrite: true,
      })
      expect(res.status).toBe(422)
      expect(await (await ctx.app.call(token, '/files/download/same.txt')).text()).toBe('S')
    })
  })

  describe('presigned URLs', () => {
    it('gives a URL that a plain GET, without a token, downloads the bytes from', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'share/p.txt', 'presigned bytes')
      const res = await ctx.app.call(token, '/files/presigned-url/share/p.txt?expires_in=60')
      expect(res.status).toBe(200)
      const { url, expires_in } = await res.json()
      expect(expires_in).toBe(60)
      const plain = await fetch(url)
      expect(plain.status).toBe(200)
      expect(await plain.text()).toBe('presigned bytes')
    })

    it('answers 422 for expires_in of 0 or past PRESIGN_MAX_SECONDS', async () => {
      const token = ctx.tenant()
      await ctx.put(token, 'p.txt', 'p')
      for (const expires of ['0', '604801']) {
        const res = await ctx.app.call(token, `/files/presigned-url/p.txt?expires_in=${expires}`)
        expect(res.status).toBe(422)
      }
    })

    it('answers 404 for an absent file', async () => {
      expect((await ctx.app.call(ctx.tenant(), '/files/presigned-url/none.txt')).status).toBe(404)
    })

    it('gives a POST form that a plain multipart POST uses to create exactly that file', async () => {
      const token = ctx.tenant()
      const res = await ctx.app.json(token, 'POST', '/files/presigned-upload', {
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
      expect(await fileBytes(ctx.app, token, 'forms/form.txt')).toBe('from a form')
    })

    const form = async (token: string, path: string, extra: object = {}) => {
      const res = await ctx.app.json(token, 'POST', '/files/presigned-upload', { path, ...extra })
      expect(res.status).toBe(200)
      return (await res.json()) as { url: string; fields: Record<string, string> }
    }

    if (ctx.drivers === 'aws') {
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
        const token = ctx.tenant()
        const post = await form(token, 'in/small.bin', { max_bytes: 5 })
        const sent = await fetch(post.url, { method: 'POST', body: presignedForm(post, '123456') })
        expect(sent.status).toBeGreaterThanOrEqual(400)
        expect((await ctx.app.call(token, '/files/metadata/in/small.bin')).status).toBe(404)
      })

      it('refuses a form whose key was changed to another', async () => {
        const token = ctx.tenant()
        const post = await form(token, 'in/mine.bin')
        const fields = { ...post.fields, key: 'tenants/t/someone-else/in/mine.bin' }
        const sent = await fetch(post.url, { method: 'POST', body: presignedForm({ fields }, 'x') })
        expect(sent.status).toBe(403)
      })

      it('refuses a presigned URL once it expired', async () => {
        const token = ctx.tenant()
        await ctx.put(token, 'soon.txt', 'gone soon')
        const res = await ctx.app.call(token, '/files/presigned-url/soon.txt?expires_in=1')
        const { url } = await res.json()
        await new Promise((resolve) => setTimeout(resolve, 1100))
        expect((await fetch(url)).status).toBe(403)
      })
    }

    it('answers 422 for an upload form past PRESIGN_UPLOAD_MAX_SECONDS or MAX_UPLOAD_BYTES', async () => {
      const token = ctx.tenant()
      const long = await ctx.app.json(token, 'POST', '/files/presigned-upload', {
        path: 'x',
        expires_in: 3601,
      })
      expect(long.status).toBe(422)
      const big = await ctx.app.json(token, 'POST', '/files/presigned-upload', {
        path: 'x',
        max_bytes: 1001,
      })
      expect(big.status).toBe(422)
    })
  })
}
