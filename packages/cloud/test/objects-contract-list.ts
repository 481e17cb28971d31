/** Contract cases of listing, deleting and copying. */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../src/index.ts'
import type { ContractOptions } from './objects-contract.ts'
import { eachLimit, listAll } from './objects-fixtures.ts'

export function listCases(open: () => ObjectStore, options: ContractOptions): void {
  describe('list', () => {
    let store: ObjectStore
    beforeAll(() => {
      store = open()
    })

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
    let store: ObjectStore
    beforeAll(() => {
      store = open()
    })

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
}
