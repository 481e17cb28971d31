import { describe, expect, it } from 'vitest'
import { assertMaxDepth, HttpProblem, jsonDepth, MAX_JSON_DEPTH } from '../src/index.ts'

/** `{"a":{"a":…}}` nested `levels` deep, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < levels; i++) value = i % 2 ? { a: value } : [value]
  return value
}

describe('jsonDepth', () => {
  it.each([
    [1, 0],
    ['x', 0],
    [null, 0],
    [{}, 1],
    [[], 1],
    [{ a: [1, { b: 2 }] }, 3],
    [[[], [[[]]]], 4],
  ])('gives %j a depth of %i', (value, depth) => {
    expect(jsonDepth(value)).toBe(depth)
  })

  it('measures 100,000 levels without overflowing the stack', () => {
    expect(jsonDepth(nested(100_000))).toBe(100_000)
  })

  it('stops counting past the limit', () => {
    expect(jsonDepth(nested(10_000), 64)).toBe(65)
  })
})

describe('assertMaxDepth', () => {
  it('accepts a document exactly at the limit', () => {
    expect(() => assertMaxDepth(nested(MAX_JSON_DEPTH))).not.toThrow()
  })

  it('throws a 400 naming the value and the limit one level past it', () => {
    let thrown: unknown
    try {
      assertMaxDepth(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH, '/data')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(HttpProblem)
    expect(thrown).toMatchObject({
      status: 400,
      code: 'json_too_deep',
      detail: `/data is nested deeper than ${MAX_JSON_DEPTH} levels.`,
    })
  })
})
