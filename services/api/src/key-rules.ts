/**
 * What makes a client-named S3 key unsafe to use as given, shared by every route that takes one
 * (documents and files): each would either escape the prefix it was meant for once a URL or a
 * filesystem normalised it, or could not be written back in a header or a log line.
 */

/** C0 and C1 control characters and DEL. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true
  }
  return false
}

/** Why `key` is unsafe (a leading `/`, a backslash, a control character, a `.`/`..` segment). */
export function unsafeKeyReason(key: string): string | undefined {
  if (key.startsWith('/')) return 'it starts with /'
  if (key.includes('\\')) return 'it holds a backslash'
  if (hasControlCharacter(key)) return 'it holds a control character'
  if (key.split('/').some((s) => s === '.' || s === '..')) return 'it has a . or .. segment'
  return undefined
}
