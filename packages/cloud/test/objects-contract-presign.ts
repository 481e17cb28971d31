/** Contract cases of presigned URLs, odd keys and health. */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../src/index.ts'
import { postForm } from './objects-fixtures.ts'

export function presignCases(open: () => ObjectStore): void {
  describe('presigned URLs', () => {
    let store: ObjectStore
    beforeAll(() => {
      store = open()
    })

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
    let store: ObjectStore
    beforeAll(() => {
      store = open()
    })

    it('handles keys with spaces, unicode and +', async () => {
      const key = 'odd/sp ace/ü+ñ 😀 a+b=c&d.txt'
      await store.put(key, 'odd')
      expect((await store.getBuffer(key)).body.toString()).toBe('odd')
      expect((await store.list({ prefix: 'odd/sp ace/' })).objects.map((o) => o.key)).toEqual([key])
      await store.copy(key, `${key}.copy`)
      expect(await (await fetch(await store.presignGet(`${key}.copy`, 60))).text()).toBe('odd')
      expect((await store.delete([key])).deleted).toEqual([key])
    })
  })
}
