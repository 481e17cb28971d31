import { createHash, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  countRecords,
  fileRow,
  recordsOf,
  sampleRecords,
  sharedService,
  waitForRow,
  waitForStatus,
} from './helpers.ts'

const ch = sharedService({ env: { MAX_ATTEMPTS: '1', CONCURRENCY: '4' }, batch: { records: 100 } })

const uniqueKey = (name = 'file.json') => `incoming/${randomUUID()}/${name}`

async function load(body: string | Buffer, key = uniqueKey()) {
  await ch.bucket.put(key, body)
  const row = await waitForStatus(ch.db, key, 'COMPLETED')
  return { key, row, records: await recordsOf(ch.db, key) }
}

async function fail(body: string | Buffer, key = uniqueKey()) {
  await ch.bucket.put(key, body)
  const row = await waitForStatus(ch.db, key, 'FAILED')
  return { key, row, count: await countRecords(ch.db, key) }
}

describe.concurrent('sample shapes', () => {
  it('loads the three elements of a top-level array as three rows', async () => {
    const { records } = await load(JSON.stringify(sampleRecords(3)))
    expect(records.map((r) => r.record_data)).toEqual(sampleRecords(3))
  })

  it('loads the records array of a batch object', async () => {
    const body = {
      batch_id: 'b1',
      records: [
        { type: 'a', n: 1 },
        { type: 'b', n: 2 },
      ],
    }
    const { records } = await load(JSON.stringify(body))
    expect(records.map((r) => r.record_data)).toEqual(body.records)
  })

  it('loads the data array of an object without records', async () => {
    const { records } = await load(JSON.stringify({ source: 'x', data: [{ v: 1 }, { v: 2 }] }))
    expect(records.map((r) => r.record_data)).toEqual([{ v: 1 }, { v: 2 }])
  })

  it('loads a single object as one record', async () => {
    const body = { type: 'event', id: 'e-1', payload: { ok: true } }
    const { records } = await load(JSON.stringify(body))
    expect(records.map((r) => r.record_data)).toEqual([body])
  })

  it("types each record by its own type field, else 'unknown'", async () => {
    const { records } = await load('[{"type":"order"},{"kind":"x"},{"type":null}]')
    expect(records.map((r) => r.record_type)).toEqual(['order', 'unknown', 'unknown'])
  })
})

describe.concurrent('a completed file', () => {
  it('records its size, sha256, etag, metadata and processing time', async () => {
    const body = JSON.stringify(sampleRecords(2))
    const key = uniqueKey()
    const etag = await ch.bucket.put(key, body)
    const row = await waitForStatus(ch.db, key, 'COMPLETED')
    expect(row).toMatchObject({
      file_size: String(Buffer.byteLength(body)),
      file_hash: createHash('sha256').update(body).digest('hex'),
      etag,
      record_count: 2,
      error_message: null,
    })
    expect(row.processed_at).toBeInstanceOf(Date)
    expect(row.metadata).toMatchObject({ etag, last_modified: expect.any(String) })
    expect(row.metadata).toHaveProperty('content_type')
  })

  it('loads a file far larger than one batch in one piece', async () => {
    const { row, records } = await load(JSON.stringify({ records: sampleRecords(2500) }))
    expect(row.record_count).toBe(2500)
    expect(records.map((r) => r.record_data.id)).toEqual([...Array(2500).keys()])
  })

  it('ignores keys that do not end in .json', async () => {
    const prefix = `incoming/${randomUUID()}`
    await ch.bucket.put(`${prefix}/a.JSON`, '[{"a":1}]')
    await ch.bucket.put(`${prefix}/b.txt`, '[{"a":1}]')
    await load('[{"a":1}]', `${prefix}/c.json`)
    const rows = await ch.db
      .sql`select s3_key from file_processing_log where s3_key like ${`${prefix}%`}`
    expect(rows.map((r) => r.s3_key)).toEqual([`${prefix}/c.json`])
  })
})

describe.concurrent('a file with bad content fails with its reason and no records', () => {
  it('names an empty file', async () => {
    const { key, row, count } = await fail('')
    expect(row.error_message).toBe(`Empty file: ${key}`)
    expect(count).toBe(0)
  })

  it('names a file of whitespace', async () => {
    const { key, row } = await fail('  \n\t ')
    expect(row.error_message).toBe(`File contains only whitespace: ${key}`)
  })

  it('names invalid UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('[{"name":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}]'),
    ])
    const { key, row } = await fail(body)
    expect(row.error_message).toBe(`Invalid UTF-8 encoding in ${key}`)
  })

  it('names invalid JSON with its position', async () => {
    const { key, row } = await fail('[{"a": 1},\n {"a": 2,}]')
    expect(row.error_message).toBe(
      `Invalid JSON syntax in ${key}: Expecting property name enclosed in double quotes: line 2 column 10 (char 20)`,
    )
  })

  it('names an empty array', async () => {
    const { key, row } = await fail('[]')
    expect(row.error_message).toBe(`Empty array in ${key}`)
  })

  it('names an object that yields no records', async () => {
    const { key, row } = await fail('{"records": []}')
    expect(row.error_message).toBe(`No records extracted from ${key}`)
  })

  it('names a top-level value that is neither object nor array', async () => {
    const { key, row } = await fail('"just text"')
    expect(row.error_message).toBe(
      `Unexpected JSON structure in ${key}: expected object or array, got string`,
    )
  })

  it('names a record that is not an object, keeping none of the others', async () => {
    const records = [...sampleRecords(250), 'oops']
    const { key, row, count } = await fail(JSON.stringify(records))
    expect(row.error_message).toBe(`Record 250 in ${key} is not an object`)
    expect(count).toBe(0)
  })

  it('counts the attempt and sets no retry once the attempts are used up', async () => {
    const { row } = await fail('[]')
    expect(row.attempts).toBe(1)
    expect(row.next_attempt_at).toBeNull()
  })
})

describe.concurrent('re-uploads', () => {
  it('replaces the records when the content changes, attempts starting over', async () => {
    const key = uniqueKey()
    await load(JSON.stringify(sampleRecords(3, 'old')), key)
    const etag = await ch.bucket.put(key, JSON.stringify(sampleRecords(2, 'new')))
    const row = await waitForRow(ch.db, key, { status: 'COMPLETED', etag })
    const records = await recordsOf(ch.db, key)
    expect(records.map((r) => r.record_type)).toEqual(['new', 'new'])
    expect(row?.attempts).toBe(1)
  })

  it('loads a file that failed once its content is fixed', async () => {
    const key = uniqueKey()
    await fail('[1, 2]', key)
    await ch.bucket.put(key, '[{"fixed":true}]')
    await waitForStatus(ch.db, key, 'COMPLETED')
    expect((await recordsOf(ch.db, key)).map((r) => r.record_data)).toEqual([{ fixed: true }])
  })

  it('keeps the stored records when a new etag carries the same content', async () => {
    const { key, row } = await load(JSON.stringify(sampleRecords(3)))
    const ids = await ch.db.sql`select d.id from processed_data d where d.file_log_id = ${row.id}`
    await ch.db.sql`update file_processing_log set etag = '"stale"' where id = ${row.id}`
    const after = await waitForRow(ch.db, key, { status: 'COMPLETED', etag: row.etag })
    expect(after?.processed_at?.getTime()).toBeGreaterThan(row.processed_at?.getTime() ?? 0)
    const idsAfter = await ch.db
      .sql`select d.id from processed_data d where d.file_log_id = ${row.id}`
    expect(idsAfter).toEqual(ids)
  })

  it('does nothing when the same content is uploaded again', async () => {
    const body = JSON.stringify(sampleRecords(2))
    const { key, row } = await load(body)
    await ch.bucket.put(key, body)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const after = await fileRow(ch.db, key)
    expect(after?.processed_at).toEqual(row.processed_at)
    expect(await countRecords(ch.db, key)).toBe(2)
  })
})
