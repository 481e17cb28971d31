// The rows stored for a record are exactly what PostgreSQL itself makes of the file's JSON:
// record_data as jsonb parses the record's text, record_type as coalesce(r->>'type', 'unknown')
// (the SQL the loader used before COPY). Characters COPY's text format gives a meaning to
// (backslash, tab, newline, carriage return) sit in strings and between tokens.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { countRecords, sharedService, waitForStatus } from './helpers.ts'

const ch = sharedService({ env: { MAX_ATTEMPTS: '1', CONCURRENCY: '4' }, batch: { records: 3 } })

const uniqueKey = () => `incoming/${randomUUID()}/file.json`

interface Row {
  record_type: string
  record_data: string
}

/** The rows stored for `key`, record_data as jsonb's text. */
async function stored(key: string): Promise<Row[]> {
  return ch.db.sql<Row[]>`
    select d.record_type, d.record_data::text as record_data from processed_data d
    join file_processing_log l on l.id = d.file_log_id
    where l.s3_key = ${key} order by d.id`
}

/** What PostgreSQL makes of the records of a top-level array. */
async function expected(body: string): Promise<Row[]> {
  return ch.db.sql<Row[]>`
    select coalesce(r->>'type', 'unknown') as record_type, r::text as record_data
    from jsonb_array_elements(${body}::text::jsonb) with ordinality as e(r, n) order by n`
}

/** Loads a top-level array and checks every row against PostgreSQL's reading of it. */
async function loadsAsPostgresReadsIt(body: string): Promise<Row[]> {
  const key = uniqueKey()
  await ch.bucket.put(key, body)
  const row = await waitForStatus(ch.db, key, 'COMPLETED')
  const rows = await stored(key)
  const want = await expected(body)
  expect(rows).toEqual(want)
  expect(row.record_count).toBe(want.length)
  return rows
}

describe.concurrent('record text and type', () => {
  it('stores strings with escapes, and whitespace between tokens, as jsonb reads them', async () => {
    const body = [
      '[{"type":"tab\\there","s":"new\\nline, return\\r, backslash\\\\, quote\\""},',
      '{\t"type" :\t"plain",\r\n\t"s":\t"\\\\N"\r\n},',
      '{"type":"\\\\N","s":"\\\\.","t":"\\\\\\\\t"},',
      '{"type":"back\\\\slash\\\\tn","u":"\\u00e9\\ud83d\\ude00 é😀 \\u0009\\u000a\\u000d\\u005c"},',
      '{"type":"line\\nbreak\\r\\n","nested":{"type":"inner","a":["\\t",{"b":"\\\\"}]}},',
      '{"type":"\\u0074\\u0061b\\u0009"}\n]',
    ].join('\n')
    const rows = await loadsAsPostgresReadsIt(body)
    expect(rows.map((r) => r.record_type)).toEqual([
      'tab\there',
      'plain',
      '\\N',
      'back\\slash\\tn',
      'line\nbreak\r\n',
      'tab\t',
    ])
    expect(JSON.parse(rows[1]?.record_data ?? '')).toEqual({ type: 'plain', s: '\\N' })
  })

  it("types records as r->>'type' does: strings, literals, numbers, objects, repeats", async () => {
    const body = `[
      {"type":"a"}, {"kind":"x"}, {"type":null}, {"type":true}, {"type":false},
      {"type":1.50}, {"type":"b"}, {"type":1e2}, {"type":-0}, {"type":12345678901234567890.10},
      {"type":{"z":1,"a":[1, 2.0]}}, {"type":["x", null]}, {"type":""}, {"x":{"type":"nested"}},
      {"type":"first","type":"last"}, {"type":"first","type":7}, {"type":7,"type":"seven"},
      {"t\\u0079pe":"escaped name"}, {"typ":"no","types":"no","Type":"no"}, {"type":"c"}
    ]`
    const rows = await loadsAsPostgresReadsIt(body)
    expect(rows.map((r) => r.record_type)).toEqual([
      'a',
      'unknown',
      'unknown',
      'true',
      'false',
      '1.50',
      'b',
      '100',
      '0',
      '12345678901234567890.10',
      '{"a": [1, 2.0], "z": 1}',
      '["x", null]',
      '',
      'unknown',
      'last',
      '7',
      'seven',
      'escaped name',
      'unknown',
      'c',
    ])
  })

  it('types a single-object file the same way', async () => {
    for (const [text, type] of [
      ['{"type":"one\\ttab","n":1}', 'one\ttab'],
      ['{"type":2.50}', '2.50'],
      ['{"n":1}', 'unknown'],
    ] as const) {
      const key = uniqueKey()
      await ch.bucket.put(key, text)
      await waitForStatus(ch.db, key, 'COMPLETED')
      const [row] = await stored(key)
      expect(row?.record_type).toBe(type)
      expect(row?.record_data).toBe((await expected(`[${text}]`))[0]?.record_data)
    }
  })
})

describe('a records array after a data array', () => {
  it('replaces the data records already stored by the records', async () => {
    // Large enough that the data array's records go to the database before `records` shows up.
    const data = Array.from({ length: 4000 }, (_, i) => ({ type: 'd', i, pad: 'x'.repeat(50) }))
    const body = JSON.stringify({ data, records: [{ type: 'r\tone' }, { type: 2 }] })
    const key = uniqueKey()
    await ch.bucket.put(key, body)
    const row = await waitForStatus(ch.db, key, 'COMPLETED')
    expect(row.record_count).toBe(2)
    expect(await stored(key)).toEqual([
      { record_type: 'r\tone', record_data: '{"type": "r\\tone"}' },
      { record_type: '2', record_data: '{"type": 2}' },
    ])
  })
})

describe.concurrent('a record PostgreSQL refuses', () => {
  async function refused(body: string) {
    const key = uniqueKey()
    await ch.bucket.put(key, body)
    const row = await waitForStatus(ch.db, key, 'FAILED')
    return { key, row, count: await countRecords(ch.db, key) }
  }

  it('fails the file with jsonb’s reason for a NUL in a string, and stores nothing', async () => {
    const { key, row, count } = await refused('[{"type":"a"},{"s":"x\\u0000y"}]')
    expect(row.error_message).toBe(`Could not load ${key}: unsupported Unicode escape sequence`)
    expect(count).toBe(0)
  })

  it('gives the same reason for a NUL in the type', async () => {
    const { key, row, count } = await refused('[{"type":"a"},{"type":"\\u0000"}]')
    expect(row.error_message).toBe(`Could not load ${key}: unsupported Unicode escape sequence`)
    expect(count).toBe(0)
  })

  it('gives it for a record in the middle of a file of many writes', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => `{"type":"t","i":${i}}`)
    records[1500] = '{"type":"t","s":"\\u0000"}'
    const { key, row, count } = await refused(`[${records.join(',\n')}]`)
    expect(row.error_message).toBe(`Could not load ${key}: unsupported Unicode escape sequence`)
    expect(count).toBe(0)
  })

  it('gives it for a record whose type only PostgreSQL can tell', async () => {
    const { key, row } = await refused('[{"type":"a"},{"type":1,"s":"\\u0000"}]')
    expect(row.error_message).toBe(`Could not load ${key}: unsupported Unicode escape sequence`)
  })
})
