/**
 * The lexical half of the record splitter: a resumable JSON validator over decoded text chunks.
 * It checks the whole grammar (RFC 8259) one character at a time, keeping only a stack of open
 * containers, so a token may end in any later chunk and memory stays bounded. Subclasses learn
 * where values and member names start and end through hooks, and slice text out with `Capture`.
 * Positions in messages count UTF-16 code units of the decoded text; `bytesAt` gives the UTF-8
 * byte position (non-ASCII text can only sit inside strings, where the scanner counts it).
 */
import { FileError } from './file-error.ts'
import { Char, isBlank, isDigit, isHex, LITERALS, SIMPLE_ESCAPES } from './json-chars.ts'
import { NumberInvalid, NumberState, nextNumberState, numberCanEnd } from './json-number.ts'

export { Capture } from './json-capture.ts'

const Mode = {
  value: 0,
  arrayFirst: 1,
  objectFirst: 2,
  key: 3,
  colon: 4,
  after: 5,
  string: 6,
  number: 7,
  literal: 8,
  done: 9,
} as const

/** Where a string is in an escape: none, after `\`, or at the first to last hex digit of `\u`. */
const Escape = { none: 0, backslash: 1, firstHex: 2, lastHex: 5 } as const

const ARRAY = 1
const OBJECT = 2
/**
 * Deepest nesting of arrays and objects a file may have. The scanner's stack would otherwise grow
 * with a file of brackets (8 bytes per level), and PostgreSQL's jsonb gives up somewhere between
 * 10,000 and 100,000 levels (stack depth limit) with an error that is not the file's fault.
 */
export const MAX_DEPTH = 10_000

export abstract class JsonScanner {
  protected readonly key: string
  protected readonly stack: number[] = []
  #mode: number = Mode.value
  #offset = 0
  /** UTF-8 bytes beyond one per code unit, in the text scanned so far. */
  #extraBytes = 0
  #line = 1
  #lineStart = 0
  #seenContent = false
  #escape: number = Escape.none
  #isKey = false
  #numberState: NumberState = NumberState.minus
  #literal = ''
  #literalIndex = 0

  constructor(key: string) {
    this.key = key
  }

  /** A value starts at `s[i]` (its first character `c`, already valid) at nesting `depth`. */
  protected abstract valueStart(s: string, i: number, c: number, depth: number): void
  /** A value ended just before `s[end]`; `this.stack.length` is the depth it started at. */
  protected abstract valueEnd(s: string, end: number): void
  /** A member name starts at `s[i]` (the quote); `keyEnd` follows at its closing quote. */
  protected abstract keyStart(i: number): void
  protected abstract keyEnd(s: string, end: number): void
  /** Chunk `s` was fully consumed. */
  protected abstract chunkEnd(s: string): void

  /** Scans the next chunk of text; throws a FileError at the first syntax error. */
  write(s: string): void {
    const n = s.length
    let i = 0
    while (i < n) {
      const mode = this.#mode
      if (mode === Mode.string) i = this.#string(s, i)
      else if (mode === Mode.number) i = this.#number(s, i)
      else if (mode === Mode.literal) i = this.#literalChars(s, i)
      else i = this.#structure(s, i, mode)
    }
    this.chunkEnd(s)
    this.#offset += n
  }

  /**
   * The UTF-8 byte offset of `s[i]` in the source, `s` being the chunk being scanned (or just
   * scanned, with `i` = its length). Valid in the hooks, where everything before `i` was scanned.
   */
  protected bytesAt(i: number): number {
    return this.#offset + i + this.#extraBytes
  }

  /** After the last chunk: throws unless exactly one complete JSON value was read. */
  protected finish(): void {
    if (!this.#seenContent) throw new FileError(`File contains only whitespace: ${this.key}`)
    if (this.#mode === Mode.number && numberCanEnd(this.#numberState)) this.#valueEnd('', 0)
    if (this.#mode !== Mode.done) this.#fail('Unexpected end of file', 0)
  }

  #fail(reason: string, i: number): never {
    throw new FileError(`Invalid JSON syntax in ${this.key}: ${reason}: ${this.#where(i)}`)
  }

  #where(i: number): string {
    const at = this.#offset + i
    return `line ${this.#line} column ${at - this.#lineStart + 1} (char ${at})`
  }

  #structure(s: string, start: number, mode: number): number {
    const n = s.length
    let i = start
    for (; i < n; i++) {
      const c = s.charCodeAt(i)
      if (isBlank(c)) continue
      if (c !== Char.lineFeed) break
      this.#line++
      this.#lineStart = this.#offset + i + 1
    }
    if (i === n) return n
    this.#seenContent = true
    const c = s.charCodeAt(i)
    switch (mode) {
      case Mode.value:
        return this.#beginValue(s, i, c)
      case Mode.arrayFirst:
        return c === Char.closeBracket ? this.#close(s, i) : this.#beginValue(s, i, c)
      case Mode.objectFirst:
        if (c === Char.closeBrace) return this.#close(s, i)
        return this.#beginKey(i, c)
      case Mode.key:
        return this.#beginKey(i, c)
      case Mode.colon:
        if (c !== Char.colon) this.#fail("Expecting ':' delimiter", i)
        this.#mode = Mode.value
        return i + 1
      case Mode.after:
        return this.#afterValue(s, i, c)
      default:
        return this.#fail('Extra data', i)
    }
  }

  #afterValue(s: string, i: number, c: number): number {
    const kind = this.stack[this.stack.length - 1]
    if (c === Char.comma) {
      this.#mode = kind === ARRAY ? Mode.value : Mode.key
      return i + 1
    }
    const closes = kind === ARRAY ? Char.closeBracket : Char.closeBrace
    if (c === closes) return this.#close(s, i)
    return this.#fail("Expecting ',' delimiter", i)
  }

  #beginKey(i: number, c: number): number {
    if (c !== Char.quote) this.#fail('Expecting property name enclosed in double quotes', i)
    this.#mode = Mode.string
    this.#isKey = true
    this.#escape = Escape.none
    this.keyStart(i)
    return i + 1
  }

  #beginValue(s: string, i: number, c: number): number {
    let mode: number
    if (c === Char.openBrace) mode = Mode.objectFirst
    else if (c === Char.openBracket) mode = Mode.arrayFirst
    else if (c === Char.quote) mode = Mode.string
    else if (c === Char.minus || isDigit(c)) mode = Mode.number
    else if (LITERALS[c] !== undefined) mode = Mode.literal
    else return this.#fail('Expecting value', i)
    const opens = mode === Mode.objectFirst || mode === Mode.arrayFirst
    if (opens && this.stack.length >= MAX_DEPTH) {
      const where = this.#where(i)
      throw new FileError(`Nesting deeper than ${MAX_DEPTH} levels in ${this.key}: ${where}`)
    }
    this.valueStart(s, i, c, this.stack.length)
    this.#mode = mode
    if (mode === Mode.objectFirst) this.stack.push(OBJECT)
    else if (mode === Mode.arrayFirst) this.stack.push(ARRAY)
    else if (mode === Mode.string) {
      this.#isKey = false
      this.#escape = Escape.none
    } else if (mode === Mode.number)
      this.#numberState =
        c === Char.minus
          ? NumberState.minus
          : c === Char.zero
            ? NumberState.zero
            : NumberState.integer
    else {
      this.#literal = LITERALS[c] ?? ''
      this.#literalIndex = 1
    }
    return i + 1
  }

  #close(s: string, i: number): number {
    this.stack.pop()
    return this.#valueEnd(s, i + 1)
  }

  #valueEnd(s: string, end: number): number {
    this.#mode = this.stack.length === 0 ? Mode.done : Mode.after
    this.valueEnd(s, end)
    return end
  }

  #string(s: string, start: number): number {
    const n = s.length
    let i = start
    while (i < n) {
      if (this.#escape === Escape.none) {
        let c = 0
        for (; i < n; i++) {
          c = s.charCodeAt(i)
          if (c === Char.quote || c === Char.backslash) break
          if (c < Char.firstPrintable || c > Char.lastAscii) break
        }
        if (i === n) return n
        if (c === Char.quote) return this.#endString(s, i + 1)
        if (c < Char.firstPrintable) this.#fail('Invalid control character', i)
        // A surrogate is half of a 4-byte character; other units take 2 or 3 bytes.
        if (c > Char.lastAscii)
          this.#extraBytes += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2
        else this.#escape = Escape.backslash
      } else if (this.#escape === Escape.backslash) {
        const c = s.charCodeAt(i)
        if (c === Char.lowerU) this.#escape = Escape.firstHex
        else if (SIMPLE_ESCAPES.has(c)) this.#escape = Escape.none
        else this.#fail('Invalid \\escape', i)
      } else {
        if (!isHex(s.charCodeAt(i))) this.#fail('Invalid \\uXXXX escape', i)
        this.#escape = this.#escape === Escape.lastHex ? Escape.none : this.#escape + 1
      }
      i++
    }
    return n
  }

  #endString(s: string, end: number): number {
    if (!this.#isKey) return this.#valueEnd(s, end)
    this.#mode = Mode.colon
    this.keyEnd(s, end)
    return end
  }

  #number(s: string, start: number): number {
    const n = s.length
    let state = this.#numberState
    for (let i = start; i < n; i++) {
      const c = s.charCodeAt(i)
      const next = nextNumberState(state, c, isDigit(c))
      if (next >= 0) {
        state = next as NumberState
        continue
      }
      if (next === NumberInvalid || !numberCanEnd(state)) this.#fail('Invalid number', i)
      return this.#valueEnd(s, i)
    }
    this.#numberState = state
    return n
  }

  #literalChars(s: string, start: number): number {
    const n = s.length
    const literal = this.#literal
    let k = this.#literalIndex
    let i = start
    for (; i < n && k < literal.length; i++, k++) {
      if (s.charCodeAt(i) !== literal.charCodeAt(k)) this.#fail('Expecting value', i)
    }
    this.#literalIndex = k
    return k === literal.length ? this.#valueEnd(s, i) : i
  }
}
