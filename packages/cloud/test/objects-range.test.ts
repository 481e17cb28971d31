import { describe, expect, it } from 'vitest'
import { parseRangeHeader } from '../src/index.ts'

describe('parseRangeHeader', () => {
  it.each([
    ['bytes=2-5', { kind: 'part', start: 2, end: 5 }],
    ['bytes=7-', { kind: 'part', start: 7, end: 9 }],
    ['bytes=-3', { kind: 'part', start: 7, end: 9 }],
    ['bytes=-50', { kind: 'part', start: 0, end: 9 }],
    ['bytes=5-50', { kind: 'part', start: 5, end: 9 }],
    ['BYTES=2-5', { kind: 'part', start: 2, end: 5 }],
  ])('reads %j of 10 bytes as one part', (header, expected) => {
    expect(parseRangeHeader(header, 10)).toEqual(expected)
  })

  it.each([
    undefined,
    'bytes=5-2',
    'bytes=0-1,4-5',
    'bytes=0-1,50-60',
    'bytes=x-',
    'bytes=-',
    'items=0-1',
    'nonsense',
  ])('ignores %j, so the whole object is sent', (header) => {
    expect(parseRangeHeader(header, 10)).toEqual({ kind: 'whole' })
  })

  it.each(['bytes=10-', 'bytes=50-60', 'bytes=-0'])(
    'answers %j of 10 bytes as unsatisfiable',
    (header) => {
      expect(parseRangeHeader(header, 10)).toEqual({ kind: 'unsatisfiable' })
    },
  )

  it('finds a range of an empty object unsatisfiable unless it is a nonzero suffix', () => {
    expect(parseRangeHeader('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRangeHeader('bytes=-5', 0)).toEqual({ kind: 'whole' })
  })
})
