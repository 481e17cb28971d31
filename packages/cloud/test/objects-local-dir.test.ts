import { spawnSync } from 'node:child_process'
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ObjectStore, openObjects } from '../src/index.ts'
import { listAll, openLocalFixture } from './objects-fixtures.ts'

let fixture: Awaited<ReturnType<typeof openLocalFixture>>
let store: ObjectStore
let dir: string
beforeAll(async () => {
  fixture = await openLocalFixture()
  store = fixture.store
  dir = fixture.dir
})
afterAll(() => fixture.cleanup())

const keysUnder = async (prefix: string) =>
  (await listAll(store, { prefix })).flatMap((p) => p.objects.map((o) => o.key))

describe('local objects: the bucket is a plain directory', () => {
  it('keeps the object a/b.json as the file a/b.json holding exactly the body', async () => {
    const body = '{"id":"1","text":"exactly this"}'
    await store.put('plain/a/b.json', body, {
      contentType: 'application/json',
      metadata: { k: 'v' },
    })
    expect(await readFile(join(dir, 'plain', 'a', 'b.json'), 'utf8')).toBe(body)
    expect(await readdir(join(dir, 'plain', 'a'))).toEqual(['b.json'])
  })

  it('keeps its own files under .ferry/, out of every listing', async () => {
    await store.put('own/x', 'x', { metadata: { k: 'v' } })
    expect(await readdir(join(dir, '.ferry'))).toEqual(expect.arrayContaining(['meta', 'locks']))
    const everything = await keysUnder('')
    expect(everything.filter((key) => key.startsWith('.ferry'))).toEqual([])
  })

  it.each(['.ferry', '.ferry/meta/x', '.ferry/tmp/'])(
    'refuses the reserved key %j with InvalidArgument',
    async (key) => {
      await expect(store.put(key, 'x')).rejects.toMatchObject({ code: 'InvalidArgument' })
      await expect(store.head(key)).rejects.toMatchObject({ code: 'InvalidArgument' })
    },
  )

  it('serves a file a person put there as an object with the md5 etag and a guessed type', async () => {
    await mkdir(join(dir, 'dropped', 'in'), { recursive: true })
    await writeFile(join(dir, 'dropped', 'in', 'x.json'), 'hello world')
    expect(await keysUnder('dropped/')).toEqual(['dropped/in/x.json'])
    const { body, info } = await store.getBuffer('dropped/in/x.json')
    expect(body.toString()).toBe('hello world')
    expect(info).toMatchObject({
      size: 11,
      etag: '"5eb63bbbe01eeed093cb22bb8f5acdc3"',
      contentType: 'application/json',
      metadata: {},
    })
    await writeFile(join(dir, 'dropped', 'in', 'y.bin'), 'y')
    expect((await store.head('dropped/in/y.bin'))?.contentType).toBe('application/octet-stream')
  })

  it('gives a file a person changed a new etag', async () => {
    const { etag } = await store.put('changed.json', 'one', { contentType: 'text/x' })
    const path = join(dir, 'changed.json')
    await writeFile(path, 'two')
    const later = new Date(Date.now() + 5_000)
    await utimes(path, later, later)
    const info = await store.head('changed.json')
    expect(info?.etag).not.toBe(etag)
    expect(info).toMatchObject({ etag: '"b8a9f715dbb64fd5c56e7783c6820a61"', size: 3 })
  })

  it('sees a file moved into place by a person whole (cp to a temporary name, then mv)', async () => {
    await writeFile(join(dir, 'staged.part'), '[1,2,3]')
    await mkdir(join(dir, 'moved'), { recursive: true })
    await rename(join(dir, 'staged.part'), join(dir, 'moved', 'batch.json'))
    expect((await store.getBuffer('moved/batch.json')).body.toString()).toBe('[1,2,3]')
  })

  it('removes the folders a delete leaves empty, but not the bucket directory', async () => {
    await store.put('prune/deep/er/x', 'x')
    await store.put('prune/keep', 'k')
    await store.delete(['prune/deep/er/x'])
    expect(await readdir(join(dir, 'prune'))).toEqual(['keep'])
    await store.delete(['prune/keep'])
    expect(await readdir(dir)).not.toContain('prune')
    expect((await stat(dir)).isDirectory()).toBe(true)
  })

  it('keeps a folder marker and its directory when the last key under it goes', async () => {
    await store.put('mark/folder/', '')
    await store.put('mark/folder/x', 'x')
    await store.delete(['mark/folder/x'])
    expect(await keysUnder('mark/')).toEqual(['mark/folder/'])
    await store.delete(['mark/folder/'])
    expect(await readdir(dir)).not.toContain('mark')
  })

  it('does not list a directory a person made as a folder marker', async () => {
    await mkdir(join(dir, 'madedir', 'sub'), { recursive: true })
    expect(await keysUnder('madedir')).toEqual([])
    expect(await store.head('madedir/sub/')).toBeUndefined()
  })

  it('sweeps the temporary files of a writer that crashed when it opens', async () => {
    const tmp = join(dir, '.ferry', 'tmp')
    await mkdir(tmp, { recursive: true })
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString()
    await writeFile(join(tmp, `${dead.trim()}-crashed`), 'half')
    await writeFile(join(tmp, `${process.pid}-live`), 'still writing')
    const reopened = openObjects(`file://${dir}`)
    await reopened.head('anything')
    expect(await readdir(tmp)).toEqual([`${process.pid}-live`])
    await unlink(join(tmp, `${process.pid}-live`))
  })
})

describe('local objects: keys a directory cannot hold', () => {
  const message = /cannot be stored in a local bucket/

  it('refuses a key below an existing object, naming the object in the way', async () => {
    await store.put('clash/a', 'file')
    await expect(store.put('clash/a/b', 'x')).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringMatching(/cannot be stored in a local bucket: the object "clash\/a"/),
    })
    await expect(store.put('clash/a/', '')).rejects.toMatchObject({ code: 'InvalidArgument' })
    expect(await store.head('clash/a/b')).toBeUndefined()
    expect((await store.getBuffer('clash/a')).body.toString()).toBe('file')
  })

  it('refuses a key that other keys have as their folder', async () => {
    await store.put('clash2/a/b', 'below')
    await expect(store.put('clash2/a', 'x')).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringMatching(/other keys start with "clash2\/a\/"/),
    })
    await expect(store.copy('clash2/a/b', 'clash2/a')).rejects.toMatchObject({
      code: 'InvalidArgument',
    })
    expect(await store.head('clash2/a')).toBeUndefined()
    expect(await keysUnder('clash2/')).toEqual(['clash2/a/b'])
  })

  it('refuses a segment over 255 bytes, and finds no object there', async () => {
    const key = `long/${'x'.repeat(256)}.json`
    await expect(store.put(key, 'x')).rejects.toMatchObject({ code: 'InvalidArgument', message })
    await expect(store.upload(key, Readable.from(['x']))).rejects.toMatchObject({ message })
    expect(await store.head(key)).toBeUndefined()
    await expect(store.get(key)).rejects.toMatchObject({ code: 'NotFound' })
    expect(await store.delete([key])).toEqual({ deleted: [key], errors: [] })
  })

  it('refuses an empty segment, which a path would read as another key', async () => {
    await store.put('empty/a/b', 'ab')
    await expect(store.put('empty/a//b', 'x')).rejects.toMatchObject({ message })
    expect(await store.head('empty/a//b')).toBeUndefined()
    expect((await store.getBuffer('empty/a/b')).body.toString()).toBe('ab')
  })

  it('refuses bytes under a key ending in /, which is a folder', async () => {
    await expect(store.put('folder-with-bytes/', 'x')).rejects.toMatchObject({ message })
    expect(await store.head('folder-with-bytes/')).toBeUndefined()
  })

  it('stores nothing and leaves no temporary file when a key is refused', async () => {
    await store.put('refused/a', 'a')
    await expect(store.put('refused/a/b', 'x')).rejects.toMatchObject({ message })
    expect(await readdir(join(dir, '.ferry', 'tmp'))).toEqual([])
  })
})
