/** Percent-encodes all but RFC 8187 attr-chars. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/**
 * `attachment` named after the key's last segment (RFC 6266): `filename*` in UTF-8 and a plain
 * ASCII `filename` fallback. A presigned GET answers with it, so a browser saves a tenant's
 * HTML or SVG instead of rendering it on the origin that served it.
 */
export function attachmentFor(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1) || 'download'
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`
}
