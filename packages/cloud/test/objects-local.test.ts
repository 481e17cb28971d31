import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudError, type ObjectStore, openObjects } from '../src/index.ts'
import { openLocalFixture } from './objects-fixtures.ts'

let fixture: Awaited<ReturnType<typeof openLocalFixture>>
let store: ObjectStore
beforeAll(async () => {
  fixture = await openLocalFixture()
  store = fixture.store
})
afterAll(() => fixture.cleanup())

const tmpFiles = () => readdir(join(fixture.dir, '.ferry', 'tmp')).catch(() => [])

describe('local objects: conditional writes under contention', () => {
  // Local only: moto's S3 has a thread race that lets two concurrent conditional writers both win
  // about once in eight runs; real S3 and the local driver decide atomically.
  it('lets exactly one of 20 concurrent ifNoneMatch * writers win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.put('cw/race', `writer ${i}`, { ifNoneMatch: '*' }),
      ),
    )
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []))
    expect(winners).toHaveLength(1)
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'PreconditionFailed' })
    }
    expect((await store.getBuffer('cw/race')).body.toString()).toBe(`writer ${winners[0]}`)
  })
})

describe('local objects: keys and layout', () => {
  const traversal = ['../x', 'a/../../x', '..', '/etc/passwd', 'a\\b', 'a\0b', 'a/./b', '.', '']

  it.each(traversal)('rejects the key %j with InvalidArgument', async (key) => {
    await expect(store.put(key, 'x')).rejects.toMatchObject({ code: 'InvalidArgument' })
    await expect(store.get(key)).rejects.toMatchObject({ code: 'InvalidArgument' })
    await expect(store.head(key)).rejects.toMatchObject({ code: 'InvalidArgument' })
    await expect(store.delete([key])).rejects.toMatchObject({ code: 'InvalidArgument' })
    await expect(store.copy('safe', key)).rejects.toMatchObject({ code: 'InvalidArgument' })
  })

  it('writes nothing outside its directory for a traversal key', async () => {
    await store.put('inside', 'x')
    await expect(store.put('../escaped', 'x')).rejects.toBeInstanceOf(CloudError)
    expect(await readdir(join(fixture.dir, '..'))).not.toContain('escaped')
  })

  it('rejects a key longer than 1024 bytes', async () => {
    await expect(store.put(`long/${'é'.repeat(600)}`, 'x')).rejects.toMatchObject({
      code: 'InvalidArgument',
    })
  })

  it('leaves no temporary file behind once writes finish', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put('tmpcheck', `v${i}`)))
    await store.put('tmpcheck', 'x', { ifNoneMatch: '*' }).catch(() => undefined)
    expect(await tmpFiles()).toEqual([])
  })

  it('stores nothing when the body stream fails', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('part')
        throw new Error('connection lost')
      })(),
    )
    await expect(store.put('broken', failing)).rejects.toMatchObject({ code: 'InvalidArgument' })
    expect(await store.head('broken')).toBeUndefined()
    expect(await tmpFiles()).toEqual([])
  })

  it('leaves no temporary file behind when an upload is over its limit', async () => {
    const body = Readable.from([Buffer.alloc(600), Buffer.alloc(600)])
    await expect(store.upload('limited', body, { maxBytes: 1000 })).rejects.toMatchObject({
      code: 'TooLarge',
    })
    expect(await store.head('limited')).toBeUndefined()
    expect(await tmpFiles()).toEqual([])
  })

  it('refuses a cursor it did not make', async () => {
    await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'InvalidArgument',
    })
  })

  it('takes over the lock of a writer that crashed', async () => {
    const locks = join(fixture.dir, '.ferry', 'locks')
    const lock = join(locks, createHash('sha256').update('crashed').digest('hex'))
    await mkdir(locks, { recursive: true })
    await writeFile(lock, '')
    const old = new Date(Date.now() - 60_000)
    await utimes(lock, old, old)
    await store.put('crashed', 'recovered')
    expect((await store.getBuffer('crashed')).body.toString()).toBe('recovered')
  })
})

/** Starts `count` node processes that each try one put on the same key at the same moment. */
async function racePuts(
  dir: string,
  key: string,
  count: number,
  options: object,
): Promise<string[]> {
  const module = fileURLToPath(new URL('../src/objects/local/driver.ts', import.meta.url))
  const script = `
    const { openLocalObjects } = await import(process.argv[1])
    const store = openLocalObjects(process.argv[2], {})
    console.log('ready')
    process.stdin.once('data', async () => {
      const body = 'process ' + process.pid
      console.log(await store.put(process.argv[3], body, JSON.parse(process.argv[4])).then(() => body, (e) => e.code))
      process.exit(0)
    })`
  const children = Array.from({ length: count }, () => {
    const args = ['--input-type=module', '-e', script, module, dir, key, JSON.stringify(options)]
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
    return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() }
  })
  const nextLine = async (c: (typeof children)[number]) => String((await c.lines.next()).value)
  expect(await Promise.all(children.map(nextLine))).toEqual(Array(count).fill('ready'))
  for (const { child } of children) child.stdin.write('go\n')
  return Promise.all(children.map(nextLine))
}

describe('local objects: writers in other processes', () => {
  it('lets exactly one of 4 processes create a key with ifNoneMatch *', {
    timeout: 30_000,
  }, async () => {
    const outcomes = await racePuts(fixture.dir, 'procs/create', 4, { ifNoneMatch: '*' })
    const winners = outcomes.filter((o) => o.startsWith('process '))
    expect(winners).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'PreconditionFailed')).toHaveLength(3)
    expect((await store.getBuffer('procs/create')).body.toString()).toBe(winners[0])
  })

  it('lets exactly one of 4 processes replace a key with the same ifMatch', {
    timeout: 30_000,
  }, async () => {
    const { etag } = await store.put('procs/update', 'v1')
    const outcomes = await racePuts(fixture.dir, 'procs/update', 4, { ifMatch: etag })
    const winners = outcomes.filter((o) => o.startsWith('process '))
    expect(winners).toHaveLength(1)
    expect((await store.getBuffer('procs/update')).body.toString()).toBe(winners[0])
  })
})

describe('local objects: presigned URLs', () => {
  const post = (url: string, fields: Record<string, string>, file: string) => {
    const form = new FormData()
    for (const [name, value] of Object.entries(fields)) form.append(name, value)
    form.append('file', new Blob([file]), 'f')
    return fetch(url, { method: 'POST', body: form })
  }

  it('answers 403 to an expired URL', async () => {
    await store.put('sig/expired', 'x')
    const url = await store.presignGet('sig/expired', 0.001)
    await new Promise((resolve) => setTimeout(resolve, 10))
    const response = await fetch(url)
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('expired')
  })

  it('answers 403 to a URL whose signature was changed', async () => {
    await store.put('sig/tampered', 'x')
    const url = new URL(await store.presignGet('sig/tampered', 60))
    url.searchParams.set('X-Ferry-Signature', 'ab'.repeat(32))
    expect((await fetch(url)).status).toBe(403)
  })

  it('answers 403 to a signed URL pointed at another key', async () => {
    await store.put('sig/one', 'one')
    await store.put('sig/two', 'two')
    const url = (await store.presignGet('sig/one', 60)).replace('sig/one', 'sig/two')
    expect((await fetch(url)).status).toBe(403)
  })

  it('answers 403 to a later expiry than was signed', async () => {
    await store.put('sig/longer', 'x')
    const url = new URL(await store.presignGet('sig/longer', 60))
    url.searchParams.set('X-Ferry-Expires', String(Date.now() + 3_600_000))
    expect((await fetch(url)).status).toBe(403)
  })

  it('answers 403 to a GET of a URL signed for POST', async () => {
    const { url } = await store.presignPost('sig/post-only', { expiresInSeconds: 60, maxBytes: 10 })
    expect((await fetch(url)).status).toBe(403)
  })

  it('forbids content sniffing on a presigned GET (S3 offers no such override)', async () => {
    await store.put('sig/page.html', '<p>hi</p>', { contentType: 'text/html' })
    const response = await fetch(await store.presignGet('sig/page.html', 60))
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="page.html"/)
    await response.text()
  })

  it('serves a byte range of a presigned GET', async () => {
    await store.put('sig/range', '0123456789')
    const response = await fetch(await store.presignGet('sig/range', 60), {
      headers: { range: 'bytes=3-5' },
    })
    expect(response.status).toBe(206)
    expect(response.headers.get('content-range')).toBe('bytes 3-5/10')
    expect(await response.text()).toBe('345')
  })

  it('answers 404 to a presigned GET of a key that is gone', async () => {
    const url = await store.presignGet('sig/never-written', 60)
    expect((await fetch(url)).status).toBe(404)
  })

  it('refuses a POST body over maxBytes with 400 EntityTooLarge and stores nothing', async () => {
    const { url, fields } = await store.presignPost('sig/big', {
      expiresInSeconds: 60,
      maxBytes: 10,
    })
    const response = await post(url, fields, 'x'.repeat(64 * 1024))
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('EntityTooLarge')
    expect(await store.head('sig/big')).toBeUndefined()
    expect(await tmpFiles()).toEqual([])
  })

  it('accepts a POST body of exactly maxBytes', async () => {
    const { url, fields } = await store.presignPost('sig/exact', {
      expiresInSeconds: 60,
      maxBytes: 10,
    })
    expect((await post(url, fields, '0123456789')).status).toBe(204)
    expect((await store.getBuffer('sig/exact')).body.toString()).toBe('0123456789')
  })

  it('refuses a POST whose key field names another key with 403', async () => {
    const { url } = await store.presignPost('sig/mine', { expiresInSeconds: 60, maxBytes: 10 })
    expect((await post(url, { key: 'sig/theirs' }, 'x')).status).toBe(403)
    expect(await store.head('sig/theirs')).toBeUndefined()
    expect(await store.head('sig/mine')).toBeUndefined()
  })

  it('refuses a POST that is not a multipart form with 400', async () => {
    const { url } = await store.presignPost('sig/form', { expiresInSeconds: 60, maxBytes: 10 })
    expect((await fetch(url, { method: 'POST', body: 'raw' })).status).toBe(400)
  })

  it('lets a host server answer paths that are not presigned', async () => {
    const response = await fetch(`${fixture.baseUrl}/health`)
    expect(response.status).toBe(404)
    expect(await response.text()).toBe('not a presigned path')
  })

  it('cannot presign without presign options', async () => {
    const bare = openObjects(`file://${fixture.dir}`)
    await expect(bare.presignGet('sig/x', 60)).rejects.toMatchObject({ code: 'InvalidArgument' })
    await expect(
      bare.presignPost('sig/x', { expiresInSeconds: 60, maxBytes: 1 }),
    ).rejects.toMatchObject({
      code: 'InvalidArgument',
    })
  })
})
