/**
 * A tenant's tree is private: no path a client sends, however it is spelled, reaches outside
 * `tenants/{tenant}/`, and no token names a tenant it could escape with. Requests go over
 * node:http, which sends the path as written (fetch and app.inject resolve `..` and `\` first).
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  claimsToken,
  type FilesApp,
  fileBytes,
  startFilesApp,
  tenantToken,
} from './files-helpers.ts'

let app: FilesApp
beforeAll(async () => {
  app = await startFilesApp('local')
})
afterAll(() => app?.close())

const T1 = tenantToken('t1')
const T2 = tenantToken('t2')
const SECRET_FILE = 'secret/plan.txt'

interface Answer {
  statusCode: number
  json(): { detail?: string; [field: string]: unknown }
}

/** One request with `url` sent exactly as written. */
function inject(token: string, method: string, url: string, payload?: object): Promise<Answer> {
  const body = payload === undefined ? undefined : JSON.stringify(payload)
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  return new Promise((resolve, reject) => {
    const req = request(`${app.url}${url}`, { method, headers, path: url }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        resolve({ statusCode: res.statusCode ?? 0, json: () => JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

beforeAll(async () => {
  const res = await app.upload(T1, [{ name: 'plan.txt', body: 't1 only' }], {
    path: '/files/upload?folder=secret',
  })
  expect(res.status).toBe(201)
})

/** Ways of writing t1's file as seen from t2's root. */
const ESCAPES = [
  '../t1/secret/plan.txt',
  '%2e%2e/t1/secret/plan.txt',
  '..%2ft1%2fsecret%2fplan.txt',
  'a/../../t1/secret/plan.txt',
  '/tenants/t1/secret/plan.txt',
  '/tenants/t/t1/secret/plan.txt',
  '../../t/t1/secret/plan.txt',
  '../../u/user-of-t1/plan.txt',
  '%2ftenants%2ft1%2fsecret%2fplan.txt',
  '..\\t1\\secret\\plan.txt',
  '..%5ct1%5csecret%5cplan.txt',
]

describe('t2 reaching for t1 files', () => {
  for (const trick of ESCAPES) {
    for (const route of ['download', 'metadata', 'presigned-url', 'delete']) {
      const method = route === 'delete' ? 'DELETE' : 'GET'
      it(`answers 400 "Invalid path" to ${method} /files/${route}/${trick}`, async () => {
        const res = await inject(T2, method, `/files/${route}/${trick}`)
        expect(res.statusCode).toBe(400)
        expect(res.json().detail).toBe('Invalid path')
      })
    }
  }

  it("finds no file of t1's at the same relative path in its own tree", async () => {
    for (const route of ['download', 'metadata', 'presigned-url']) {
      expect((await inject(T2, 'GET', `/files/${route}/${SECRET_FILE}`)).statusCode).toBe(404)
    }
    expect((await inject(T2, 'DELETE', `/files/delete/${SECRET_FILE}`)).statusCode).toBe(404)
  })

  it("cannot list t1's folders", async () => {
    for (const folder of ['..', '../t1', '../t1/secret', '/tenants/t1', '%2e%2e%2ft1']) {
      const res = await inject(T2, 'GET', `/files/list?folder=${folder}`)
      expect([folder, res.statusCode]).toEqual([folder, 400])
    }
    const own = await inject(T2, 'GET', '/files/list?folder=secret')
    expect(own.json().items).toEqual([])
  })

  it("cannot page through t1's listing with t1's cursor", async () => {
    await app.upload(T1, [{ name: 'second.txt', body: '2' }], {
      path: '/files/upload?folder=secret',
    })
    const first = await inject(T1, 'GET', '/files/list?folder=secret&limit=1')
    const cursor = first.json().next_cursor
    expect(cursor).toEqual(expect.any(String))
    const res = await inject(T2, 'GET', `/files/list?folder=secret&limit=1&cursor=${cursor}`)
    expect(res.statusCode).toBe(400)
    expect(res.json().detail).toBe('Invalid cursor')
  })

  it("cannot copy or move t1's file into its own tree, nor write into t1's", async () => {
    for (const verb of ['copy', 'move']) {
      for (const [source, destination] of [
        ['../t1/secret/plan.txt', 'stolen.txt'],
        ['mine.txt', '../t1/secret/plan.txt'],
      ]) {
        const res = await inject(T2, 'POST', `/files/${verb}`, { source, destination })
        expect(res.statusCode).toBe(400)
        expect(res.json().detail).toBe('Invalid path')
      }
      const same = await inject(T2, 'POST', `/files/${verb}`, {
        source: SECRET_FILE,
        destination: 'stolen.txt',
      })
      expect(same.statusCode).toBe(404)
    }
  })

  it("cannot delete t1's files in bulk or by folder", async () => {
    const many = await inject(T2, 'POST', '/files/delete-multiple', {
      paths: ['../t1/secret/plan.txt'],
    })
    expect(many.statusCode).toBe(400)
    for (const path of ['..', '../t1', '../t1/secret', '/tenants/t1']) {
      const res = await inject(
        T2,
        'DELETE',
        `/files/folder/delete?path=${encodeURIComponent(path)}`,
      )
      expect([path, res.statusCode]).toEqual([path, 400])
    }
    const own = await inject(T2, 'DELETE', '/files/folder/delete?path=secret')
    expect(own.json()).toEqual({ deleted: 0 })
  })

  it("cannot upload into t1's tree, directly or through a presigned form", async () => {
    const upload = await app.upload(T2, [{ name: 'x.txt', body: 'x' }], {
      path: `/files/upload?folder=${encodeURIComponent('../t1/secret')}`,
    })
    expect(upload.status).toBe(400)
    const form = await inject(T2, 'POST', '/files/presigned-upload', { path: '../t1/secret/x.txt' })
    expect(form.statusCode).toBe(400)
    const folder = await inject(T2, 'POST', '/files/folder/create', { path: '../t1/new' })
    expect(folder.statusCode).toBe(400)
  })

  it("cannot turn its own presigned URL into one for t1's file", async () => {
    await app.upload(T2, [{ name: 'plan.txt', body: 't2 own' }], {
      path: '/files/upload?folder=mine',
    })
    const { url } = (await inject(T2, 'GET', '/files/presigned-url/mine/plan.txt')).json()
    expect(await (await fetch(url as string)).text()).toBe('t2 own')
    const forged = (url as string).replace('/tenants/t/t2/mine/', '/tenants/t/t1/secret/')
    expect(forged).not.toBe(url)
    expect((await fetch(forged)).status).toBe(403)
  })

  it("leaves t1's file as it was after every attempt", async () => {
    expect(await fileBytes(app, T1, SECRET_FILE)).toBe('t1 only')
  })
})

describe('the tenant a token names', () => {
  it('is tenant_id when the token has one, not sub', async () => {
    const token = claimsToken({ sub: 't1', tenant_id: 't2' })
    expect((await inject(token, 'GET', `/files/metadata/${SECRET_FILE}`)).statusCode).toBe(404)
    const asT1 = claimsToken({ sub: 'someone', tenant_id: 't1' })
    expect((await inject(asT1, 'GET', `/files/metadata/${SECRET_FILE}`)).statusCode).toBe(200)
  })

  it("is the user's own tree when there is no tenant_id, apart from any tenant's", async () => {
    // A user whose sub equals tenant t1's id: it neither reads t1's files nor writes among them.
    const user = claimsToken({ sub: 't1' })
    expect((await inject(user, 'GET', `/files/metadata/${SECRET_FILE}`)).statusCode).toBe(404)
    expect((await inject(user, 'GET', '/files/list?folder=secret')).json().items).toEqual([])
    await app.upload(user, [{ name: 'plan.txt', body: 'the user t1' }], {
      path: '/files/upload?folder=secret',
    })
    expect(await fileBytes(app, user, SECRET_FILE)).toBe('the user t1')
    expect(await fileBytes(app, T1, SECRET_FILE)).toBe('t1 only')
  })

  it('answers 403 to a token with neither tenant_id nor sub', async () => {
    const res = await inject(claimsToken({ roles: [] }), 'GET', '/files/list')
    expect(res.statusCode).toBe(403)
    expect(res.json().detail).toBe('The token names no tenant (tenant_id or sub)')
  })

  for (const tenantId of ['..', '.', 't1/secret', '../t1', 'a\\b', '', 't 1', 42, ['t1']]) {
    it(`answers 403 to a token whose tenant_id is ${JSON.stringify(tenantId)}`, async () => {
      const res = await inject(claimsToken({ sub: 'u', tenant_id: tenantId }), 'GET', '/files/list')
      expect(res.statusCode).toBe(403)
    })
  }

  it('answers 401 without a token', async () => {
    const res = await fetch(`${app.url}/files/list`)
    expect(res.status).toBe(401)
  })
})

describe('path validation', () => {
  const cases: [string, string][] = [
    ['a "..” segment', 'docs/../x.txt'],
    ['a "." segment', 'docs/./x.txt'],
    ['a leading /', '/x.txt'],
    ['a backslash', 'docs\\x.txt'],
    ['a control character', 'docs/x%01.txt'],
    ['a newline', 'docs/x%0a.txt'],
    ['an empty segment', 'docs//x.txt'],
    ['a trailing / on a file', 'docs/x.txt/'],
    ['a key over 1024 bytes with the prefix', `${'a'.repeat(1010)}.txt`],
  ]
  for (const [what, path] of cases) {
    it(`answers 400 "Invalid path" for ${what}`, async () => {
      const res = await inject(T1, 'GET', `/files/metadata/${path}`)
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ detail: 'Invalid path', errors: [{ path: '/*' }] })
    })
  }

  it('accepts a key of exactly 1024 bytes with the prefix', async () => {
    // In segments: the local store keeps each as a file name, which may not pass 255 bytes.
    const name = `${'b'.repeat(200)}/`
      .repeat(5)
      .concat('c'.repeat(1024 - 'tenants/t/t1/'.length - 1005))
    expect(Buffer.byteLength(`tenants/t/t1/${name}`)).toBe(1024)
    const res = await inject(T1, 'GET', `/files/metadata/${name}`)
    expect(res.statusCode).toBe(404)
  })

  it('names the body field that holds a bad path', async () => {
    const res = await inject(T1, 'POST', '/files/copy', { source: 'ok.txt', destination: 'a//b' })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([{ path: '/destination', message: expect.any(String) }])
  })
})

describe('the OpenAPI document', () => {
  it('lists every /files route under the files tag, each needing the bearer token', async () => {
    type Operation = { tags?: string[]; security?: unknown }
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>
    }
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method} ${path}`, op })),
    )
    const files = routes.filter((r) => r.route.includes(' /files/'))
    expect(files.map((r) => r.route).sort()).toEqual([
      'delete /files/delete/{*}',
      'delete /files/folder/delete',
      'get /files/download/{*}',
      'get /files/list',
      'get /files/metadata/{*}',
      'get /files/presigned-url/{*}',
      'post /files/copy',
      'post /files/delete-multiple',
      'post /files/folder/create',
      'post /files/move',
      'post /files/presigned-upload',
      'post /files/upload',
      'post /files/upload-multiple',
    ])
    for (const { op } of files) {
      expect(op.tags).toEqual(['files'])
      expect(op.security).toEqual([{ bearer: [] }])
    }
    expect(routes.some((r) => r.route.includes('/_local/'))).toBe(false)
    expect((await fetch(`${app.url}/docs`)).status).toBeLessThan(400)
  })
})
