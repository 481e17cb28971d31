/** Contract cases that read bodies back: whole, as a buffer, by range. */
import { Readable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import { CloudError, type ObjectStore } from '../src/index.ts'
import { text } from './objects-fixtures.ts'

export function readCases(open: () => ObjectStore): void {
  describe('put and read back', () => {
    let store: ObjectStore
    beforeAll(() => {
      store = open()
    })

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
}
