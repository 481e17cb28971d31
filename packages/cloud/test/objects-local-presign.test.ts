import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../src/index.ts'
import { openLocalFixture } from './objects-fixtures.ts'

let fixture: Awaited<ReturnType<typeof openLocalFixture>>
let store: ObjectStore
beforeAll(async () => {
  fixture = await openLocalFixture()
  store = fixture.store
})
afterAll(() => fixture.cleanup())

const BOUNDARY = 'ferry-boundary'

function part(name: string, value: string, filename?: string): string {
  const file = filename === undefined ? '' : `; filename="${filename}"`
  return `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"${file}\r\n\r\n${value}\r\n`
}

/** POSTs `body` as a multipart form, chunked; answers the status and body text. */
function postRaw(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    })
    req.on('error', reject)
    req.on('response', (res) => {
      let text = ''
      res.on('data', (chunk) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.end(body)
  })
}

async function signedFields(key: string) {
  const post = await store.presignPost(key, { expiresInSeconds: 60, maxBytes: 100 })
  const fields = Object.entries(post.fields).map(([name, value]) => part(name, value))
  return { url: post.url, fields: fields.join('') }
}

describe('local objects: presigned POST forms', () => {
  it('answers 400 MalformedPOSTRequest to a form without a file part and stores nothing', async () => {
    const { url, fields } = await signedFields('post/no-file')
    const response = await postRaw(url, `${fields}--${BOUNDARY}--\r\n`)
    expect(response.status).toBe(400)
    expect(response.text).toContain('MalformedPOSTRequest')
    expect(await store.head('post/no-file')).toBeUndefined()
  })

  it('ignores the parts after the file part, as S3 does', async () => {
    const { url, fields } = await signedFields('post/after')
    const late = part('key', 'post/other')
    const body = `${fields}${part('file', 'payload', 'f.bin')}${late}--${BOUNDARY}--\r\n`
    expect((await postRaw(url, body)).status).toBe(204)
    expect((await store.getBuffer('post/after')).body.toString()).toBe('payload')
    expect(await store.head('post/other')).toBeUndefined()
  })

  it('stores nothing when the form breaks off inside the file part', async () => {
    const { url, fields } = await signedFields('post/cut')
    const response = await postRaw(url, `${fields}${part('file', 'partial', 'f.bin')}`)
    expect(response.status).toBe(400)
    expect(await store.head('post/cut')).toBeUndefined()
  })
})

describe('local objects: ranges of a presigned GET', () => {
  it('serves a suffix range with its content range', async () => {
    await store.put('get/suffix', '0123456789')
    const response = await fetch(await store.presignGet('get/suffix', 60), {
      headers: { range: 'bytes=-4' },
    })
    expect(response.status).toBe(206)
    expect(response.headers.get('content-range')).toBe('bytes 6-9/10')
    expect(await response.text()).toBe('6789')
  })

  it('answers 416 InvalidRange to a range past the end', async () => {
    await store.put('get/past', '0123')
    const response = await fetch(await store.presignGet('get/past', 60), {
      headers: { range: 'bytes=10-' },
    })
    expect(response.status).toBe(416)
    expect(await response.text()).toContain('InvalidRange')
  })

  it('sends the whole object for several ranges', async () => {
    await store.put('get/multi', '0123456789')
    const response = await fetch(await store.presignGet('get/multi', 60), {
      headers: { range: 'bytes=0-1,4-5' },
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('0123456789')
  })
})
