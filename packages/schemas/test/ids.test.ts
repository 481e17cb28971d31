import { describe, expect, it } from 'vitest'
import { uuidFromName, uuidv7 } from '../src/index.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('uuidv7', () => {
  it('is a version 7 uuid carrying its creation time', () => {
    const at = Date.now() + 60_000
    const id = uuidv7(at)
    expect(UUID.exec(id)?.[1]).toBe('7')
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at)
  })

  it('sorts ids in the order they were made, even within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7())
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(5000)
  })
})

describe('uuidFromName', () => {
  it('gives the same id for the same key and another id for another key', () => {
    const a = uuidFromName('ingest', 'key-1')
    expect(uuidFromName('ingest', 'key-1')).toBe(a)
    expect(uuidFromName('ingest', 'key-2')).not.toBe(a)
    expect(uuidFromName('other', 'key-1')).not.toBe(a)
    expect(UUID.exec(a)?.[1]).toBe('8')
  })
})
