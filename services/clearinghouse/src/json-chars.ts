/** The character codes the JSON grammar (RFC 8259) names, and the tests on them. */
export const Char = {
  tab: 0x09,
  lineFeed: 0x0a,
  carriageReturn: 0x0d,
  space: 0x20,
  quote: 0x22,
  plus: 0x2b,
  comma: 0x2c,
  minus: 0x2d,
  dot: 0x2e,
  slash: 0x2f,
  zero: 0x30,
  nine: 0x39,
  colon: 0x3a,
  upperA: 0x41,
  upperE: 0x45,
  upperF: 0x46,
  openBracket: 0x5b,
  backslash: 0x5c,
  closeBracket: 0x5d,
  lowerA: 0x61,
  lowerB: 0x62,
  lowerE: 0x65,
  lowerF: 0x66,
  lowerN: 0x6e,
  lowerR: 0x72,
  lowerT: 0x74,
  lowerU: 0x75,
  openBrace: 0x7b,
  closeBrace: 0x7d,
  /** The last ASCII code; above it a string holds a multi-byte UTF-8 character. */
  lastAscii: 0x7f,
  /** Below it, a control character, not allowed unescaped in a string. */
  firstPrintable: 0x20,
} as const

/** The first character of `true`, `false` and `null`, and the literal it begins. */
export const LITERALS: Record<number, string> = {
  [Char.lowerT]: 'true',
  [Char.lowerF]: 'false',
  [Char.lowerN]: 'null',
}

/** The characters that may follow a backslash, `u` (four hex digits follow) aside. */
export const SIMPLE_ESCAPES = new Set<number>([
  Char.quote,
  Char.backslash,
  Char.slash,
  Char.lowerB,
  Char.lowerF,
  Char.lowerN,
  Char.lowerR,
  Char.lowerT,
])

export function isDigit(c: number): boolean {
  return c >= Char.zero && c <= Char.nine
}

export function isHex(c: number): boolean {
  return (
    isDigit(c) || (c >= Char.lowerA && c <= Char.lowerF) || (c >= Char.upperA && c <= Char.upperF)
  )
}

/** White space between tokens, the line feed aside (the scanner counts lines). */
export function isBlank(c: number): boolean {
  return c === Char.space || c === Char.tab || c === Char.carriageReturn
}
