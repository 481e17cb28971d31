import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ObjectStore } from '@ferry/cloud'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDocuments } from '../src/documents.ts'
import { ADMIN, buildTestApp, type Drivers, POLL, type TestApp, tokenFor } from './helpers.ts'

/**
 * The api's flows through its object store, topic and queue, run on both driver sets (moto over
 * HTTP and local directories) by flows-aws.test.ts and flows-local.test.ts.
 */
export function describeFlows(drivers: Drivers): void {
  let t: TestApp
  let n = 0
  const unique = (prefix: string) => `${prefix}-${++n}-${Date.now()}`

  beforeAll(async () => {
    t = await buildTestApp({ drivers })
  })
  afterAll(() => t?.close())

  /** Sends `path` byte for byte over HTTP to the listening app. */
  async function rawStatus(method: string, path: string, body?: unknown): Promise<number> {
    if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = t.app.server.address() as AddressInfo
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }
    if (payload) headers['content-type'] = 'application/json'
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end(payload)
    })
  }

  const upload = (key: string, content: unknown) =>
    t.request('POST', '/s3/upload', { token: ADMIN, body: { key, content } })
  const merge = (key: string, content: unknown) =>
    t.request('PUT', `/s3/${key}`, { token: ADMIN, body: { content } })
  const read = (key: string) => t.request('GET', `/s3/${key}`, { token: ADMIN })

  describe('admin documents', () => {
    it('uploads a new document and reads it back', async () => {
      const key = `${unique('docs')}/a.json`
      const res = await upload(key, { title: 'hello', tags: ['x'] })
      expect(res.statusCode).toBe(201)
      expect(res.json()).toEqual({ message: `Uploaded ${key}` })
      expect((await read(key)).json()).toEqual({ key, content: { title: 'hello', tags: ['x'] } })
    })

    it('answers 409 to an upload of an existing key and keeps the original', async () => {
      const key = `${unique('docs')}/a.json`
      await upload(key, { version: 1 })
      const res = await upload(key, { version: 2 })
      expect(res.statusCode).toBe(409)
      expect((await read(key)).json().content).toEqual({ version: 1 })
    })

    it('lets exactly one of several concurrent uploads of one key win', async () => {
      const key = `${unique('race')}.json`
      const results = await Promise.all([1, 2, 3, 4, 5].map((i) => upload(key, { writer: i })))
      const codes = results.map((r) => r.statusCode).sort()
      expect(codes).toEqual([201, 409, 409, 409, 409])
      const winner = results.findIndex((r) => r.statusCode === 201) + 1
      expect((await read(key)).json().content).toEqual({ writer: winner })
    })

    it('answers 404 "File not found: <key>" for a missing document', async () => {
      const key = `${unique('missing')}.json`
      const res = await read(key)
      expect(res.statusCode).toBe(404)
      expect(res.json().detail).toBe(`File not found: ${key}`)
    })

    it('merges a JSON Merge Patch: nested objects merge and null deletes', async () => {
      const key = `${unique('merge')}.json`
      await upload(key, { name: 'a', address: { city: 'Paris', zip: '75001' }, old: true })
      const res = await merge(key, { address: { zip: null, street: 'Rue X' }, old: null, n: 1 })
      expect(res.statusCode).toBe(200)
      const expected = { name: 'a', address: { city: 'Paris', street: 'Rue X' }, n: 1 }
      expect(res.json()).toEqual({ key, content: expected })
      expect((await read(key)).json().content).toEqual(expected)
    })

    it('answers 404 to a merge into a missing document and creates nothing', async () => {
      const key = `${unique('missing')}.json`
      const res = await merge(key, { a: 1 })
      expect(res.statusCode).toBe(404)
      expect(res.json().detail).toBe(`File not found: ${key}`)
      expect((await read(key)).statusCode).toBe(404)
    })

    it('keeps every one of 10 concurrent merges of different fields', async () => {
      const key = `${unique('concurrent')}.json`
      await upload(key, { base: true })
      const fields = Array.from({ length: 10 }, (_, i) => `field_${i}`)
      const results = await Promise.all(fields.map((f, i) => merge(key, { [f]: i })))
      expect(results.map((r) => r.statusCode)).toEqual(fields.map(() => 200))
      const expected = Object.fromEntries([['base', true], ...fields.map((f, i) => [f, i])])
      expect((await read(key)).json().content).toEqual(expected)
    })

    it('retries a merge whose etag another replica made stale, keeping both changes', async () => {
      const key = `${unique('stale')}.json`
      await upload(key, { base: true })
      const otherReplica = createDocuments(t.store)
      let puts = 0
      const racing: ObjectStore = {
        ...t.store,
        async put(k, body, options) {
          puts += 1
          // The other replica writes between this replica's read and its conditional write.
          if (puts === 1) await otherReplica.merge(key, { theirs: 1 })
          return t.store.put(k, body, options)
        },
      }
      const merged = await createDocuments(racing).merge(key, { ours: 1 })
      expect(puts).toBe(2)
      expect(merged?.content).toEqual({ base: true, theirs: 1, ours: 1 })
      expect((await read(key)).json().content).toEqual({ base: true, theirs: 1, ours: 1 })
    })

    const badKeys: [string, string][] = [
      ['a `..` segment', '../etc/passwd'],
      ['a `..` segment inside', 'users/../../secret.json'],
      ['a leading /', '/etc/passwd'],
      ['a control character', 'notes/a\nb.json'],
      ['more than 1024 bytes', `${'k'.repeat(1025)}`],
    ]
    for (const [what, key] of badKeys) {
      it(`answers 400 to an upload whose key has ${what}`, async () => {
        const res = await upload(key, { a: 1 })
        expect(res.statusCode).toBe(400)
        expect(res.json().code).toBe('invalid_key')
      })
    }

    // Over a socket: app.inject would resolve the dot segments before the router saw them.
    const rawPaths = [
      '/s3/users/../../secret.json',
      '/s3/users/%2E%2E/%2E%2E/secret.json',
      '/s3/a%00b.json',
      '/s3//etc/passwd',
    ]
    for (const path of rawPaths) {
      it(`answers 400 to a read and a merge of ${path} sent as is`, async () => {
        expect(await rawStatus('GET', path)).toBe(400)
        expect(await rawStatus('PUT', path, { content: { a: 1 } })).toBe(400)
      })
    }
  })

  describe('notifications', () => {
    const notified = (subject: string) =>
      t.waitForLog((l) => l.msg === 'SNS notification received' && l.subject === subject)

    it('publishes "S3 File Upload" after an upload, which the consumer receives', async () => {
      await upload(`${unique('notify')}.json`, { a: 1 })
      expect(await notified('S3 File Upload')).toBeTruthy()
    })

    it('publishes "S3 File Update" after a merge, which the consumer receives', async () => {
      const key = `${unique('notify')}.json`
      await upload(key, { a: 1 })
      await merge(key, { b: 2 })
      expect(await notified('S3 File Update')).toBeTruthy()
    })

    it('publishes a message through the topic to the subscribed queue', async () => {
      const res = await t.request('POST', '/sns/publish', {
        token: ADMIN,
        body: { message: 'maintenance at noon', subject: 'Ops' },
      })
      expect(res.statusCode).toBe(200)
      const { message_id } = res.json()
      expect(message_id).toEqual(expect.any(String))
      const line = await t.waitForLog((l) => l.sns_message_id === message_id)
      expect(line.subject).toBe('Ops')
    })
  })

  describe('export to S3 through the queue', () => {
    const user = () => {
      const id = unique('user')
      return { id, token: tokenFor(id) }
    }
    const s3Read = (u: { id: string; token: string }, kind: string) =>
      vi.waitFor(async () => {
        const res = await t.request('GET', `/users/${u.id}/s3/${kind}`, { token: u.token })
        expect(res.statusCode).toBe(200)
        return res.json()
      }, POLL)

    it('writes a financial export with its decimals to S3, readable as numbers', async () => {
      const u = user()
      const body = { user_id: u.id, annual_income: 123456.78, total_debt: 0.1, credit_score: 700 }
      const created = (await t.request('POST', '/users/financial', { token: u.token, body })).json()
      const sent = await t.request('POST', '/users/sqs/send', {
        token: u.token,
        body: { user_id: u.id, data_type: 'financial' },
      })
      expect(sent.statusCode).toBe(200)
      expect(sent.json()).toEqual({
        message_id: expect.any(String),
        user_id: u.id,
        data_type: 'financial',
      })
      expect(await s3Read(u, 'financial')).toEqual(created)
    })

    it('writes all three snapshots for an export of all', async () => {
      const u = user()
      const tok = { token: u.token }
      const personal = await t.request('POST', '/users/personal', {
        ...tok,
        body: { user_id: u.id, name: 'Grace', email: 'g@example.com', date_of_birth: '1906-12-09' },
      })
      const health = await t.request('POST', '/users/health', {
        ...tok,
        body: { user_id: u.id, allergies: ['penicillin'] },
      })
      await t.request('POST', '/users/sqs/send', {
        ...tok,
        body: { user_id: u.id, data_type: 'all' },
      })
      const all = await vi.waitFor(async () => {
        const res = await t.request('GET', `/users/${u.id}/s3/all`, tok)
        expect(res.json()).toMatchObject({ personal: expect.anything(), health: expect.anything() })
        return res.json()
      }, POLL)
      expect(all).toEqual({ personal: personal.json(), financial: null, health: health.json() })
    })

    it('removes the snapshot of a kind the user no longer has when exporting all', async () => {
      const u = user()
      const tok = { token: u.token }
      await t.request('POST', '/users/health', { ...tok, body: { user_id: u.id } })
      await t.request('POST', '/users/personal', {
        ...tok,
        body: { user_id: u.id, name: 'Alan', email: 'alan@example.com' },
      })
      await t.request('POST', '/users/sqs/send', {
        ...tok,
        body: { user_id: u.id, data_type: 'health' },
      })
      await s3Read(u, 'health')
      await t.request('DELETE', `/users/${u.id}/health`, tok)
      await t.request('POST', '/users/sqs/send', {
        ...tok,
        body: { user_id: u.id, data_type: 'all' },
      })
      const gone = await vi.waitFor(async () => {
        const res = await t.request('GET', `/users/${u.id}/s3/health`, tok)
        expect(res.statusCode).toBe(404)
        return res.json() as { detail: string }
      }, POLL)
      expect(gone.detail).toBe(`Health info not found in S3 for user ${u.id}`)
      expect(await s3Read(u, 'personal')).toMatchObject({ name: 'Alan' })
    })

    it('answers 404 "<Kind> info not found in S3 for user <id>" before any export', async () => {
      const u = user()
      const res = await t.request('GET', `/users/${u.id}/s3/health`, { token: u.token })
      expect(res.statusCode).toBe(404)
      expect(res.json().detail).toBe(`Health info not found in S3 for user ${u.id}`)
      expect((await t.request('GET', `/users/${u.id}/s3/all`, { token: u.token })).statusCode).toBe(
        404,
      )
    })

    it('keeps a newer snapshot when an older export arrives late', async () => {
      const documents = createDocuments(t.store)
      const key = `users/personal/${unique('late')}.json`
      expect(await documents.writeSnapshot(key, { v: 'new' }, new Date('2030-01-02'))).toBe(true)
      expect(await documents.writeSnapshot(key, { v: 'old' }, new Date('2030-01-01'))).toBe(false)
      expect((await documents.read(key))?.content).toEqual({ v: 'new' })
    })
  })
}
