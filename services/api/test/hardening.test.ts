import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, buildTestApp, type TestApp, tokenFor } from './helpers.ts'

let t: TestApp

let n = 0

/** A fresh user id and its token, so tests never see each other's rows. */
function newUser() {
  n += 1
  const id = `hard-${n}-${Date.now()}`
  return { id, token: tokenFor(id) }
}

beforeAll(async () => {
  t = await buildTestApp({ drivers: 'local' })
})
afterAll(() => t?.close())

describe('GET /health', () => {
  it("carries the replaced service's message field", async () => {
    const res = await t.request('GET', '/health')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok', message: 'ok' })
  })
})

describe('a NUL character in a text field of a user record', () => {
  it('answers 422 naming the field on create', async () => {
    const u = newUser()
    const body = { user_id: u.id, name: 'Ada\u0000', email: 'ada@example.com' }
    const res = await t.request('POST', '/users/personal', { token: u.token, body })
    expect(res.statusCode).toBe(422)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json().errors).toEqual([
      { path: '/name', message: 'must not contain a NUL character (U+0000)' },
    ])
  })

  it('answers 422 naming the list entry of a health record', async () => {
    const u = newUser()
    const body = { user_id: u.id, conditions: ['asthma', 'x\u0000y'] }
    const res = await t.request('POST', '/users/health', { token: u.token, body })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([
      { path: '/conditions/1', message: 'must not contain a NUL character (U+0000)' },
    ])
  })

  it('answers 422 naming the field on update, and leaves the record as it was', async () => {
    const u = newUser()
    const create = { user_id: u.id, account_number: 'GB-1' }
    expect(
      (await t.request('POST', '/users/financial', { token: u.token, body: create })).statusCode,
    ).toBe(201)
    const res = await t.request('PATCH', `/users/${u.id}/financial`, {
      token: u.token,
      body: { account_number: '\u0000' },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([
      { path: '/account_number', message: 'must not contain a NUL character (U+0000)' },
    ])
    const read = await t.request('GET', `/users/${u.id}/financial`, { token: u.token })
    expect(read.json().account_number).toBe('GB-1')
  })
})

describe('numbers out of range', () => {
  const finite = { path: '/limit', message: 'must be a finite number' }
  for (const url of ['/files/list?limit=Infinity', '/files/list?limit=1e309']) {
    it(`answers ${url} with 422 naming the field`, async () => {
      const res = await t.request('GET', url, { token: newUser().token })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors).toContainEqual(finite)
    })
  }

  it('answers expires_in=1e309 on a presigned URL with 422 naming the field', async () => {
    const res = await t.request('GET', '/files/presigned-url/a.txt?expires_in=1e309', {
      token: newUser().token,
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toContainEqual({
      path: '/expires_in',
      message: 'must be a finite number',
    })
  })
})

describe('unknown or unrepresentable body fields', () => {
  it('answers an unknown field of a user record with 422 naming it, and stores nothing', async () => {
    const u = newUser()
    const body = { user_id: u.id, name: 'Ada', email: 'ada@example.com', nickname: 'A' }
    const res = await t.request('POST', '/users/personal', { token: u.token, body })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([{ path: '/nickname', message: 'is not allowed' }])
    const read = await t.request('GET', `/users/${u.id}/personal`, { token: u.token })
    expect(read.statusCode).toBe(404)
  })

  it('answers an unknown field of a patch with 422 naming it', async () => {
    const u = newUser()
    const res = await t.request('PATCH', `/users/${u.id}/health`, {
      token: u.token,
      body: { blood_type: 'A+', blod_type: 'B+' },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([{ path: '/blod_type', message: 'is not allowed' }])
  })

  it('answers an unknown field of an export request with 422 naming it', async () => {
    const u = newUser()
    const res = await t.request('POST', '/users/sqs/send', {
      token: u.token,
      body: { user_id: u.id, data_type: 'all', priority: 1 },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([{ path: '/priority', message: 'is not allowed' }])
  })

  it('answers content 1e309 (not representable in JSON) with 422, storing nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/s3/upload',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      payload: '{"key":"hardening/inf.json","content":{"n":1e309}}',
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([{ path: '/content/n', message: 'must be a finite number' }])
    expect(await t.store.head('hardening/inf.json')).toBeUndefined()
  })
})

describe('a garbage multipart body on /files/upload', () => {
  const upload = (contentType: string, payload: string) =>
    t.app.inject({
      method: 'POST',
      url: '/files/upload',
      headers: { authorization: `Bearer ${newUser().token}`, 'content-type': contentType },
      payload,
    })

  it('answers garbage after a boundary with 400 problem+json', async () => {
    const res = await upload('multipart/form-data; boundary=XX', 'garbage')
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({ code: 'malformed_multipart' })
  })

  it('answers a multipart content type without a boundary with 400', async () => {
    const res = await upload('multipart/form-data', 'garbage')
    expect(res.statusCode).toBe(400)
    expect(res.json().detail).toMatch(/Boundary not found/)
  })

  it('answers a boundary too long to search for with 400', async () => {
    const res = await upload(`multipart/form-data; boundary=${'b'.repeat(300)}`, 'garbage')
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('malformed_multipart')
  })

  it('still stores a well-formed upload', async () => {
    const body =
      '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc\r\n--XX--\r\n'
    const res = await upload('multipart/form-data; boundary=XX', body)
    expect(res.statusCode).toBe(201)
  })
})

describe('security headers', () => {
  it("answers a user's records with Cache-Control: no-store and nosniff", async () => {
    const u = newUser()
    const body = { user_id: u.id, blood_type: 'O+' }
    const created = await t.request('POST', '/users/health', { token: u.token, body })
    expect(created.headers['cache-control']).toBe('no-store')
    for (const url of [`/users/${u.id}/health`, `/users/${u.id}`, `/users/${u.id}/s3/health`]) {
      const res = await t.request('GET', url, { token: u.token })
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
    }
  })

  it("serves a presigned GET of a tenant's HTML as an attachment, never sniffed", async () => {
    const u = newUser()
    const form =
      '--XX\r\nContent-Disposition: form-data; name="file"; filename="page.html"\r\n' +
      'Content-Type: text/html\r\n\r\n<script>alert(1)</script>\r\n--XX--\r\n'
    const uploaded = await t.app.inject({
      method: 'POST',
      url: '/files/upload',
      headers: {
        authorization: `Bearer ${u.token}`,
        'content-type': 'multipart/form-data; boundary=XX',
      },
      payload: form,
    })
    expect(uploaded.statusCode).toBe(201)
    const presigned = await t.request('GET', '/files/presigned-url/page.html', { token: u.token })
    const url = new URL(presigned.json().url)
    const res = await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html')
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="page.html"/)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })
})

describe('deeply nested documents', () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }
  const upload = (key: string, depth: number) =>
    t.app.inject({
      method: 'POST',
      url: '/s3/upload',
      headers: admin,
      payload: `{"key":"${key}","content":${nested(depth)}}`,
    })

  it('answers content nested 10,000 levels deep with 400 json_too_deep, storing nothing', async () => {
    const res = await upload('deep/10000.json', 10_000)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'json_too_deep' })
    expect(res.json().errors).toEqual([
      { path: '/content', message: 'is nested deeper than 64 levels' },
    ])
    expect(await t.store.head('deep/10000.json')).toBeUndefined()
  })

  it('takes content exactly 64 levels deep and refuses 65', async () => {
    expect((await upload('deep/64.json', 64)).statusCode).toBe(201)
    expect((await upload('deep/65.json', 65)).statusCode).toBe(400)
  })

  it('answers a merge patch nested too deep with 400', async () => {
    expect((await upload('deep/patched.json', 1)).statusCode).toBe(201)
    const res = await t.app.inject({
      method: 'PUT',
      url: '/s3/deep/patched.json',
      headers: admin,
      payload: `{"content":${nested(5_000)}}`,
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('json_too_deep')
  })
})
