import { describe, expect, it } from 'vitest'
import { createCounter, createHistogram, createRegistry } from '../src/index.ts'
import { sampleValue } from '../src/testing.ts'

describe('sampleValue', () => {
  it('reads the sample with exactly the given labels from a /metrics text', async () => {
    const registry = createRegistry()
    const counter = createCounter(registry, { name: 'c_total', help: 'c', labelNames: ['a', 'b'] })
    counter.inc({ a: 'x', b: 'y' }, 3)
    counter.inc({ a: 'x', b: 'say "hi"' })
    createHistogram(registry, { name: 'h', help: 'h', buckets: [1, 2] }).observe(2)
    const text = await registry.metrics()
    expect(sampleValue(text, 'c_total', { a: 'x', b: 'y' })).toBe(3)
    expect(sampleValue(text, 'c_total', { b: 'say "hi"', a: 'x' })).toBe(1)
    expect(sampleValue(text, 'c_total', { a: 'x' })).toBeUndefined()
    expect(sampleValue(text, 'h_bucket', { le: 1 })).toBe(0)
    expect(sampleValue(text, 'h_bucket', { le: '+Inf' })).toBe(1)
    expect(sampleValue(text, 'h_count')).toBe(1)
  })
})
