/** Contract cases of `put` and `head`, conditional writes included: a stand-in that keeps no bodies passes them too. */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../src/index.ts'
import { etagOf } from './objects-fixtures.ts'

export function putAndHeadCases(open: () => ObjectStore): void {
  describe('put and head', () => {
    let store: ObjectStore
    beforeAll(() => {
      store = open()
    })

    it('gives the quoted md5 of the body as the etag', async () => {
      const { etag } = await store.put('rt/md5', 'hello world')
      expect(etag).toBe('"5eb63bbbe01eeed093cb22bb8f5acdc3"')
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

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined()
    })

    it('heads an absent key as undefined', async () => {
      expect(await store.head('rt/absent')).toBeUndefined()
    })
  })

  describe('conditional writes', () => {
    let store: ObjectStore
    beforeAll(() => {
      store = open()
    })

    it('creates an absent key with ifNoneMatch *', async () => {
      await store.put('cw/new', 'v', { ifNoneMatch: '*' })
      expect((await store.head('cw/new'))?.etag).toBe(etagOf('v'))
    })

    it('refuses ifNoneMatch * on an existing key and keeps the original', async () => {
      await store.put('cw/exists', 'original')
      await expect(store.put('cw/exists', 'new', { ifNoneMatch: '*' })).rejects.toMatchObject({
        code: 'PreconditionFailed',
      })
      expect((await store.head('cw/exists'))?.etag).toBe(etagOf('original'))
    })

    it('replaces an object whose etag matches ifMatch', async () => {
      const { etag } = await store.put('cw/match', 'v1')
      const next = await store.put('cw/match', 'v2', { ifMatch: etag })
      expect(next.etag).toBe(etagOf('v2'))
      expect((await store.head('cw/match'))?.etag).toBe(next.etag)
    })

    it('refuses a stale ifMatch with PreconditionFailed and keeps the object', async () => {
      const { etag } = await store.put('cw/stale', 'v1')
      await store.put('cw/stale', 'v2')
      await expect(store.put('cw/stale', 'v3', { ifMatch: etag })).rejects.toMatchObject({
        code: 'PreconditionFailed',
      })
      expect((await store.head('cw/stale'))?.etag).toBe(etagOf('v2'))
    })

    it('answers ifMatch on an absent key with NotFound, as S3 does', async () => {
      await expect(
        store.put('cw/missing', 'v', { ifMatch: '"5eb63bbbe01eeed093cb22bb8f5acdc3"' }),
      ).rejects.toMatchObject({ code: 'NotFound' })
      expect(await store.head('cw/missing')).toBeUndefined()
    })
  })
}
