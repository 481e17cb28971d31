/** Contract cases of streaming uploads: size limits, failing and aborted bodies. */
import { Readable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../src/index.ts'
import { brokenBody, generated, generatedHash, MiB, sha256, text } from './objects-fixtures.ts'

export function uploadCases(open: () => ObjectStore): void {
  describe('streaming upload', () => {
    let store: ObjectStore
    beforeAll(() => {
      store = open()
    })

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
      await expect(store.upload('up/limited', body, { maxBytes: 12 * MiB })).rejects.toMatchObject({
        code: 'TooLarge',
      })
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
}
