import { describe, expect, it } from 'vitest'
import { MAX_DEPTH } from '../src/json-scan.ts'
import { type Extraction, RecordSplitter } from '../src/records.ts'

const KEY = 'in/file.json'

/** Splits `text` fed in chunks of `size` characters; returns the parsed records and extraction. */
function split(text: string, size = text.length || 1) {
  let texts: string[] = []
  let types: (string | undefined)[] = []
  const splitter = new RecordSplitter(KEY, {
    record: (json, typeJson) => {
      texts.push(json)
      types.push(typeJson)
    },
    reset: () => {
      texts = []
      types = []
    },
  })
  for (let i = 0; i < text.length; i += size) splitter.write(text.slice(i, i + size))
  const extraction: Extraction = splitter.end()
  return { records: texts.map((t) => JSON.parse(t)), texts, types, extraction }
}

function failure(text: string, size?: number): string {
  try {
    split(text, size)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a failure')
}

describe('record extraction', () => {
  it('gives the elements of a top-level array', () => {
    const { records, extraction } = split('[{"a":1},{"a":2},{"a":3}]')
    expect(records).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }])
    expect(extraction).toEqual({ source: 'array', count: 3 })
  })

  it('gives the records array of an object', () => {
    const { records, extraction } = split('{"batch":7,"records":[{"a":1},{"a":2}]}')
    expect(records).toEqual([{ a: 1 }, { a: 2 }])
    expect(extraction.source).toBe('records')
  })

  it('gives the data array of an object without records', () => {
    const { records, extraction } = split('{"data":[{"b":1},{"b":2}],"meta":{"x":[1,2]}}')
    expect(records).toEqual([{ b: 1 }, { b: 2 }])
    expect(extraction.source).toBe('data')
  })

  it('prefers records over data whichever comes first', () => {
    const text = '{"data":[{"d":1},{"d":2}],"records":[{"r":1}]}'
    expect(split(text).records).toEqual([{ r: 1 }])
    expect(split(text, 3).records).toEqual([{ r: 1 }])
  })

  it('gives the object itself when it has no records or data array', () => {
    const text = '{"type":"single","records":"none","data":{"x":1}}'
    const { records, extraction } = split(text, 5)
    expect(records).toEqual([JSON.parse(text)])
    expect(extraction).toEqual({ source: 'object', count: 1 })
  })

  it('keeps the exact text of the records, numbers included', () => {
    const { texts } = split('[ {"big": 12345678901234567890123, "f": 1.50e+3} ]')
    expect(texts).toEqual(['{"big": 12345678901234567890123, "f": 1.50e+3}'])
  })

  it('gives each record alone, without the separators between them', () => {
    const { texts } = split('[{"a":1}, {"a":2},\n{"a":3} ]', 4)
    expect(texts).toEqual(['{"a":1}', '{"a":2}', '{"a":3}'])
  })

  it('gives the text of the top-level type member of each record, the last one if repeated', () => {
    const text = `{"records":[
      {"type":"a\\tb"}, {"x":{"type":"nested"}}, {"type":null}, {"type": 1.50e1 },
      {"type":{"b":[1,{"type":2}]}}, {"type":"x","type":"y"}, {"t\\u0079pe":"esc"},
      {"typ":"no","types":"no"}, {"type":true}, {"type" : "spaced" }]}`
    const expected = [
      '"a\\tb"',
      undefined,
      'null',
      '1.50e1',
      '{"b":[1,{"type":2}]}',
      '"y"',
      '"esc"',
      undefined,
      'true',
      '"spaced"',
    ]
    for (const size of [1, 3, text.length]) expect(split(text, size).types).toEqual(expected)
    expect(split('{"type":"single","n":1}').types).toEqual(['"single"'])
    expect(split('{"type":1.50}').types).toEqual(['1.5'])
    expect(split('{"n":1}').types).toEqual([undefined])
  })

  it('finds the same records whatever the chunk boundaries', () => {
    const text = JSON.stringify({
      note: 'esc\\"aped \u00e9 \ud83d\ude00',
      records: [{ s: 'a\\u0041\n', n: -0.5e-3, t: true, f: false, z: null, nested: [{ k: [] }] }],
    })
    const whole = split(text).records
    for (const size of [1, 2, 3, 7]) expect(split(text, size).records).toEqual(whole)
  })

  it('recognises a member name written with escapes', () => {
    expect(split('{"rec\\u006frds":[{"a":1}]}').extraction.source).toBe('records')
  })
})

describe('content errors', () => {
  it('names a file of whitespace', () => {
    expect(failure(' \n\t ')).toBe(`File contains only whitespace: ${KEY}`)
  })

  it('names an empty top-level array', () => {
    expect(failure('[ ]')).toBe(`Empty array in ${KEY}`)
  })

  it('names an object whose records array is empty', () => {
    expect(failure('{"records":[]}')).toBe(`No records extracted from ${KEY}`)
  })

  it('names an object whose data array is empty', () => {
    expect(failure('{"data":[],"other":1}')).toBe(`No records extracted from ${KEY}`)
  })

  it.each([
    ['"text"', 'string'],
    ['42', 'number'],
    ['true', 'boolean'],
    ['null', 'null'],
  ])('names the type of a top-level %s', (text, type) => {
    expect(failure(text)).toBe(
      `Unexpected JSON structure in ${KEY}: expected object or array, got ${type}`,
    )
  })

  it('names a record that is not an object by its index', () => {
    expect(failure('[{"a":1},{"a":2},3]')).toBe(`Record 2 in ${KEY} is not an object`)
    expect(failure('{"records":["x"]}')).toBe(`Record 0 in ${KEY} is not an object`)
  })

  it('ignores a bad data array when a records array follows', () => {
    expect(split('{"data":[1,2],"records":[{"a":1}]}').records).toEqual([{ a: 1 }])
    expect(failure('{"data":[{"a":1},2]}')).toBe(`Record 1 in ${KEY} is not an object`)
  })
})

describe('syntax errors', () => {
  const syntax = (detail: string) => `Invalid JSON syntax in ${KEY}: ${detail}`

  it('gives the line, column and character of the error', () => {
    expect(failure('[\n  {"a": 1}\n  {"a": 2}\n]')).toBe(
      syntax("Expecting ',' delimiter: line 3 column 3 (char 15)"),
    )
  })

  it.each([
    ['{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"],
    ['{a:1}', 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
    ['[{"a":1},]', 'Expecting value: line 1 column 10 (char 9)'],
    ['[{"a":1}] x', 'Extra data: line 1 column 11 (char 10)'],
    ['[{"a":01}]', 'Invalid number: line 1 column 8 (char 7)'],
    ['[{"a":tru}]', 'Expecting value: line 1 column 10 (char 9)'],
    ['[{"a":"x\\q"}]', 'Invalid \\escape: line 1 column 10 (char 9)'],
    ['[{"a":"\\u12g4"}]', 'Invalid \\uXXXX escape: line 1 column 12 (char 11)'],
    ['[{"a":"x\ty"}]', 'Invalid control character: line 1 column 9 (char 8)'],
    ['[{"a":1}', 'Unexpected end of file: line 1 column 9 (char 8)'],
  ])('rejects %j', (text, detail) => {
    expect(failure(text)).toBe(syntax(detail))
    expect(failure(text, 1)).toBe(syntax(detail))
  })
})

describe('record size limit', () => {
  function splitWithin(text: string, recordBytes: number, size?: number) {
    const texts: string[] = []
    const sink = { record: (json: string) => texts.push(json), reset: () => undefined }
    const splitter = new RecordSplitter(KEY, sink, { recordBytes })
    const step = size ?? (text.length || 1)
    for (let i = 0; i < text.length; i += step) splitter.write(text.slice(i, i + step))
    splitter.end()
    return texts.map((t) => JSON.parse(t))
  }

  function tooLarge(text: string, recordBytes: number, size?: number): string {
    try {
      splitWithin(text, recordBytes, size)
    } catch (error) {
      return (error as Error).message
    }
    throw new Error('expected a failure')
  }

  it('fails the file naming the record and the limit', () => {
    const text = `[{"a":1},{"b":"${'x'.repeat(100)}"},{"c":3}]`
    for (const size of [1, 7, text.length]) {
      expect(tooLarge(text, 50, size)).toBe(
        `Record 1 in ${KEY} is larger than MAX_RECORD_BYTES (50 bytes)`,
      )
    }
  })

  it('counts the UTF-8 bytes of the record, not its characters', () => {
    const text = '[{"a":"ééé"}]' // 11 characters, 14 bytes
    expect(tooLarge(text, 13)).toMatch(/^Record 0 .* \(13 bytes\)$/)
    expect(splitWithin(text, 14)).toEqual([{ a: 'ééé' }])
    const emoji = '[{"a":"😀"}]' // 10 code units, 12 bytes
    expect(tooLarge(emoji, 11, 3)).toMatch(/^Record 0 /)
    expect(splitWithin(emoji, 12, 3)).toEqual([{ a: '😀' }])
  })

  it('limits a single-object file, which is its own record', () => {
    const text = `{"meta":"${'x'.repeat(100)}"}`
    expect(tooLarge(text, 50, 10)).toMatch(/^Record 0 in .* \(50 bytes\)$/)
  })

  it('streams a records array that follows a member larger than the limit', () => {
    const text = `{"${'k'.repeat(80)}":"${'x'.repeat(100)}","records":[{"a":1},{"a":2}]}`
    expect(splitWithin(text, 50, 9)).toEqual([{ a: 1 }, { a: 2 }])
  })

  it('lets a records array after a data array with a record past the limit decide', () => {
    const big = `{"a":"${'x'.repeat(100)}"}`
    expect(splitWithin(`{"data":[${big}],"records":[{"a":1}]}`, 50, 8)).toEqual([{ a: 1 }])
    expect(tooLarge(`{"data":[{"a":0},${big},{"a":2}]}`, 50, 8)).toMatch(/^Record 1 in /)
  })

  it('accepts records of exactly the limit', () => {
    expect(splitWithin('[{"a":1},{"bb":22}]', 9)).toEqual([{ a: 1 }, { bb: 22 }])
  })
})

describe('nesting depth', () => {
  const nested = (depth: number) => `${'['.repeat(depth - 2)}1${']'.repeat(depth - 2)}`

  it('accepts nesting of exactly MAX_DEPTH levels', () => {
    const text = `{"records":[{"a":${nested(MAX_DEPTH - 1)}}]}`
    expect(split(text, 4096).extraction.count).toBe(1)
  })

  it('fails a file nested deeper, naming the limit and where, without growing with the file', () => {
    const text = `{"meta":${'['.repeat(MAX_DEPTH * 5)}`
    expect(failure(text, 4096)).toBe(
      `Nesting deeper than ${MAX_DEPTH} levels in ${KEY}: line 1 column ${MAX_DEPTH + 8} (char ${MAX_DEPTH + 7})`,
    )
  })
})
