import type { TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  migratedDatabase,
  openTestBucket,
  startService,
  type TestBucket,
  type TestService,
  waitForStatus,
} from './helpers.ts'

const TOKEN = 'operator-secret-123'
let db: TestDatabase
let bucket: TestBucket
let service: TestService
let failedId: number
let completedId: number

beforeAll(async () => {
  db = await migratedDatabase()
  bucket = await openTestBucket()
  await bucket.put('a.json', '[{"type":"x"},{"type":"y"}]')
  await bucket.put('b.json', '{"records":[{"type":"x"}]}')
  await bucket.put('c.json', '{"data":[{"n":1},{"n":2},{"n":3}]}')
  await bucket.put('bad.json', '[]')
  service = await startService({ db, bucket, env: { MAX_ATTEMPTS: '1', OPERATOR_TOKEN: TOKEN } })
  failedId = (await waitForStatus(db, 'bad.json', 'FAILED')).id
  for (const key of ['b.json', 'c.json']) await waitForStatus(db, key, 'COMPLETED')
  completedId = (await waitForStatus(db, 'a.json', 'COMPLETED')).id
})

afterAll(async () => {
  await service?.close()
  await bucket?.cleanup()
  await db?.cleanup()
})

function get(url: string, token: string | null = TOKEN) {
  const headers = token === null ? {} : { authorization: `Bearer ${token}` }
  return service.app.inject({ method: 'GET', url, headers })
}

function retry(id: number) {
  const headers = { authorization: `Bearer ${TOKEN}` }
  return service.app.inject({ method: 'POST', url: `/files/${id}/retry`, headers })
}

describe('health', () => {
  it('answers /health without a token', async () => {
    const reply = await get('/health', null)
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toEqual({ status: 'healthy', service: 'clearinghouse' })
  })

  it('is ready when the database and the bucket answer', async () => {
    const reply = await get('/ready', null)
    expect(reply.statusCode).toBe(200)
    expect(reply.json().checks).toEqual({ database: 'ok', bucket: 'ok', poll: 'ok' })
  })

  it('names the bucket when it is unreachable', async () => {
    const other = await startService({
      db,
      bucket: {
        ...bucket,
        setting: bucket.aws ? 'no-such-bucket-x1' : 'file:///proc/none',
      },
    })
    try {
      const reply = await other.app.inject({ method: 'GET', url: '/ready' })
      expect(reply.statusCode).toBe(503)
      expect(reply.json().checks.database).toBe('ok')
      expect(reply.json().checks.bucket).not.toBe('ok')
    } finally {
      await other.close()
    }
  })
})

describe('operator token', () => {
  it('answers 401 without a token', async () => {
    const reply = await get('/files', null)
    expect(reply.statusCode).toBe(401)
    expect(reply.headers['www-authenticate']).toBe('Bearer')
  })

  it('answers 401 with a wrong token', async () => {
    expect((await get('/stats', 'operator-secret-124')).statusCode).toBe(401)
  })

  it('answers 401 with a token that is a prefix or an extension of the right one', async () => {
    expect((await get('/stats', TOKEN.slice(0, -1))).statusCode).toBe(401)
    expect((await get('/stats', `${TOKEN}x`)).statusCode).toBe(401)
  })

  it('answers without credentials only when OPERATOR_AUTH=none opts out', async () => {
    const open = await startService({ db, bucket, env: { OPERATOR_AUTH: 'none' } })
    try {
      const reply = await open.app.inject({ method: 'GET', url: '/stats' })
      expect(reply.statusCode).toBe(200)
    } finally {
      await open.close()
    }
  })
})

describe('GET /files', () => {
  it('lists every file newest first', async () => {
    const { files, next_cursor } = (await get('/files')).json()
    expect(files.map((f: { s3_key: string }) => f.s3_key).sort()).toEqual([
      'a.json',
      'b.json',
      'bad.json',
      'c.json',
    ])
    expect(files[0].id).toBeGreaterThan(files[3].id)
    expect(next_cursor).toBeNull()
  })

  it('filters by status', async () => {
    const { files } = (await get('/files?status=FAILED')).json()
    expect(files).toHaveLength(1)
    expect(files[0]).toMatchObject({ s3_key: 'bad.json', error_message: 'Empty array in bad.json' })
  })

  it('pages with limit and cursor', async () => {
    const first = (await get('/files?limit=3')).json()
    const second = (await get(`/files?limit=3&cursor=${first.next_cursor}`)).json()
    expect(first.files).toHaveLength(3)
    expect(second.files).toHaveLength(1)
    expect(second.next_cursor).toBeNull()
    const ids = [...first.files, ...second.files].map((f: { id: number }) => f.id)
    expect(new Set(ids).size).toBe(4)
  })

  it('rejects an unknown status with 422', async () => {
    expect((await get('/files?status=done')).statusCode).toBe(422)
  })
})

describe('GET /files/{id}', () => {
  it('shows the file with its record count', async () => {
    const reply = await get(`/files/${completedId}`)
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toMatchObject({
      s3_key: 'a.json',
      status: 'COMPLETED',
      record_count: 2,
      file_size: 27,
      file_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      processed_at: expect.any(String),
    })
  })

  it('answers 404 for an unknown id', async () => {
    const reply = await get('/files/999999')
    expect(reply.statusCode).toBe(404)
    expect(reply.headers['content-type']).toContain('application/problem+json')
  })
})

describe('POST /files/{id}/retry', () => {
  it('answers 409 for a file that is not FAILED', async () => {
    const reply = await retry(completedId)
    expect(reply.statusCode).toBe(409)
    expect(reply.json().detail).toBe(
      `File ${completedId} is COMPLETED; only a FAILED file can be retried`,
    )
  })

  it('answers 404 for an unknown id', async () => {
    expect((await retry(999999)).statusCode).toBe(404)
  })

  it('resets a FAILED file, which is then attempted again', async () => {
    const before = await waitForStatus(db, 'bad.json', 'FAILED')
    const reply = await retry(failedId)
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toMatchObject({ status: 'pending', attempts: 0, error_message: null })
    const after = await waitForStatus(db, 'bad.json', 'FAILED')
    expect(after.attempts).toBe(1)
    expect(after.next_attempt_at).toBeNull()
    expect(before.id).toBe(after.id)
  })
})

describe('GET /stats', () => {
  it('counts files per status and the records loaded', async () => {
    const reply = await get('/stats')
    expect(reply.json()).toEqual({
      files: { pending: 0, processing: 0, COMPLETED: 3, FAILED: 1, total: 4 },
      records_loaded: 6,
    })
  })
})
