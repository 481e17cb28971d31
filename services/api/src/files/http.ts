/** HTTP details of file downloads: Content-Disposition. */

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
