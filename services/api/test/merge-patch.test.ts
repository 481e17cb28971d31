import { describe, expect, it } from 'vitest'
import { mergePatch } from '../src/merge-patch.ts'

describe('mergePatch', () => {
  // RFC 7396 Appendix A, every example.
  const examples: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ]
  for (const [target, patch, result] of examples) {
    it(`merges ${JSON.stringify(patch)} into ${JSON.stringify(target)}`, () => {
      expect(mergePatch(target, patch)).toEqual(result)
    })
  }

  it('leaves its arguments unchanged', () => {
    const target = { a: { b: 1, c: 2 } }
    const patch = { a: { b: null, d: 3 } }
    mergePatch(target, patch)
    expect(target).toEqual({ a: { b: 1, c: 2 } })
    expect(patch).toEqual({ a: { b: null, d: 3 } })
  })

  it('treats a __proto__ key as an ordinary member', () => {
    const merged = mergePatch({}, JSON.parse('{"__proto__": {"admin": true}}')) as object
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype)
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"admin":true}}')
  })
})
