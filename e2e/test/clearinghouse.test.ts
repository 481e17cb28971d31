import { openObjects } from '@ferry/cloud'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startService, waitFor } from '../src/index.ts'
import { type Backend, backends, operatorHeaders } from './clearinghouse-backends.ts'

describe.each(backends)('S3 → clearinghouse → PostgreSQL (%s)', (_, open) => {
  let backend: Backend
  let service: Running
  beforeAll(async () => {
    backend = await open()
    service = await startService('clearinghouse', { ...backend.env, POLL_INTERVAL: '0.5' })
  })
  afterAll(async () => {
    expect(await service.stop()).toBe(0)
    await backend.cleanup()
  })

  it('loads a file put in the bucket: COMPLETED with its records', async () => {
    const store = openObjects(backend.bucket, { aws: backend.aws })
    const records = [{ type: 'order', id: 1 }, { type: 'order', id: 2 }, { id: 3 }]
    await store.put('incoming/orders.json', JSON.stringify({ records }), {
      contentType: 'application/json',
    })
    await store.put('incoming/notes.txt', 'not json')
    await store.close()
    type File = { s3_key: string; status: string; record_count: number; id: number }
    let files: File[] = []
    await waitFor('the file to complete', async () => {
      const reply = await fetch(`${service.url}/files`, { headers: operatorHeaders })
      files = ((await reply.json()) as { files: File[] }).files
      return files.some((f) => f.status === 'COMPLETED')
    })
    expect(files).toHaveLength(1)
    expect(files[0]).toMatchObject({
      s3_key: 'incoming/orders.json',
      status: 'COMPLETED',
      record_count: 3,
    })
    const reply = await fetch(`${service.url}/stats`, { headers: operatorHeaders })
    const stats = (await reply.json()) as { records_loaded: number }
    expect(stats.records_loaded).toBe(3)
  })
})
