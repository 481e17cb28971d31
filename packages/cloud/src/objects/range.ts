import { parse } from 'range-parser'

/** range-parser's code bit for a malformed header or an invalid (e.g. reversed) range. */
const MALFORMED = 1

/** What a `Range` header asks of an object of known size. */
export type RangeRequest =
  | { kind: 'whole' }
  | { kind: 'part'; start: number; end: number }
  | { kind: 'unsatisfiable' }

/**
 * Reads a `Range` header against an object of `size` bytes: one `bytes=` range (`a-b`, `a-` or
 * `-n`) is a part, its end clamped to the object. A header that is absent, malformed, of another
 * unit or asks for several ranges is ignored (the whole object is sent), as RFC 9110 allows; a
 * range that starts past the end, or a suffix of 0 bytes, is unsatisfiable (416).
 */
export function parseRangeHeader(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' }
  const { code, type, ranges } = parse(size, header)
  if (type !== 'bytes' || code & MALFORMED || header.includes(',')) return { kind: 'whole' }
  const [range] = ranges
  if (range) return { kind: 'part', start: range.start, end: range.end }
  // A nonzero suffix of an empty object selects nothing but is satisfiable.
  return code === 0 ? { kind: 'whole' } : { kind: 'unsatisfiable' }
}
