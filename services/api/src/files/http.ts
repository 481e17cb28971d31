/** HTTP details of file downloads: Range requests and Content-Disposition. */

/** What a `Range` header asks for, as far as this api serves it. */
export type RangeRequest =
  | { kind: 'none' }
  | { kind: 'from'; start: number; end?: number }
  | { kind: 'suffix'; length: number }

/**
 * Parses a single `bytes=` range (`a-b`, `a-` or `-n`). A header that is absent, malformed, or
 * asks for several ranges is ignored (the whole file is sent), as RFC 9110 allows.
 */
export function parseRange(header: string | undefined): RangeRequest {
  const match = header && /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (!match) return { kind: 'none' }
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return { kind: 'none' }
  if (first === '') return { kind: 'suffix', length: Number(last) }
  const start = Number(first)
  if (last === '') return { kind: 'from', start }
  const end = Number(last)
  if (end < start || !Number.isSafeInteger(end)) return { kind: 'none' }
  return { kind: 'from', start, end }
}

/** Percent-encodes all but RFC 8187 attr-chars. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/**
 * `attachment` with the file name twice (RFC 6266): `filename*` in UTF-8 for clients that read
 * it, and a plain ASCII `filename` fallback in which anything outside printable ASCII, quotes,
 * backslashes and `%` become `_`.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'download'
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(filename)}`
}
