/**
 * A local bucket is a directory, so some keys S3 would take cannot be stored there (a segment
 * over 255 bytes, a key below a file, a key that is a folder of others). The api answers those
 * with 400 saying why, never 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FilesApp, startFilesApp, tenantToken } from './files-helpers.ts'
import { ADMIN, buildTestApp, type TestApp } from './helpers.ts'

// 256 bytes: one over what a file name may have.
const LONG_NAME = `${'x'.repeat(252)}.txt`
const notStorable = {
  status: 400,
  code: 'key_not_storable',
  detail: expect.stringContaining('cannot be stored in a local bucket'),
}

describe('/files on a local bucket: keys a directory cannot hold', () => {
  let app: FilesApp
  beforeAll(async () => {
    app = await startFilesApp('local')
  })
  afterAll(() => app?.close())

  const upload = (token: string, folder: string, name: string) =>
    app.upload(token, [{ name, body: 'bytes', type: 'text/plain' }], {
      path: `/files/upload?folder=${encodeURIComponent(folder)}`,
    })

  it('answers 400 for a file name over 255 bytes and stores nothing', async () => {
    const token = tenantToken('long-names')
    const res = await upload(token, 'docs', LONG_NAME)
    expect(await res.json()).toMatchObject(notStorable)
    const listing = await (await app.call(token, '/files/list?folder=docs')).json()
    expect(listing.items).toEqual([])
  })

  it('answers 400 for a file below a file, and for a folder where a file is', async () => {
    const token = tenantToken('in-the-way')
    expect((await upload(token, '', 'report')).status).toBe(201)
    expect(await (await upload(token, 'report', 'a.txt')).json()).toMatchObject(notStorable)
    const folder = await app.json(token, 'POST', '/files/folder/create', { path: 'report' })
    expect(await folder.json()).toMatchObject(notStorable)
    expect(await (await app.call(token, '/files/download/report')).text()).toBe('bytes')
  })

  it('answers 400 for a file whose name other files have as their folder', async () => {
    const token = tenantToken('folder-taken')
    expect((await upload(token, 'photos', 'a.png')).status).toBe(201)
    const copy = await app.json(token, 'POST', '/files/copy', {
      source: 'photos/a.png',
      destination: 'photos',
    })
    expect(await copy.json()).toMatchObject(notStorable)
  })
})

describe('admin documents on a local bucket: keys a directory cannot hold', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ drivers: 'local' })
  })
  afterAll(() => t?.close())

  const create = (key: string) =>
    t.request('POST', '/s3/upload', { token: ADMIN, body: { key, content: { a: 1 } } })

  it('answers 400 for a segment over 255 bytes', async () => {
    const res = await create(`notes/${LONG_NAME}`)
    expect(res.json()).toMatchObject(notStorable)
  })

  it('answers 400 for a key that is the folder of an existing key', async () => {
    expect((await create('notes/day/1.json')).statusCode).toBe(201)
    expect((await create('notes/day')).json()).toMatchObject(notStorable)
    expect((await create('notes/day/1.json/more.json')).json()).toMatchObject(notStorable)
  })
})
