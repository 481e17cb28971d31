/**
 * The lexical half of the record splitter: a resumable JSON validator over decoded text chunks.
 * It checks the whole grammar (RFC 8259) one character at a time, keeping only a stack of open
 * containers, so a token may end in any later chunk and memory stays bounded. Subclasses learn
 * where values and member names start and end through hooks, and slice text out with `Capture`.
 * Positions in messages count UTF-16 code units of the decoded text; `bytesAt` gives the UTF-8
 * byte position (non-ASCII text can only sit inside strings, where the scanner counts it).
 */
import { FileError } from './file-error.ts'

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

/** States of the number grammar; `end` states may be followed by a delimiter. */
const Num = { minus: 0, zero: 1, int: 2, dot: 3, frac: 4, e: 5, sign: 6, exp: 7 } as const
const NUM_CAN_END = [false, true, true, false, true, false, false, true]

const ARRAY = 1
const OBJECT = 2
/**
 * Deepest nesting of arrays and objects a file may have. The scanner's stack would otherwise grow
 * with a file of brackets (8 bytes per level), and PostgreSQL's jsonb gives up somewhere between
 * 10,000 and 100,000 levels (stack depth limit) with an error that is not the file's fault.
 */
export const MAX_DEPTH = 10_000
const LITERALS = { 116: 'true', 102: 'false', 110: 'null' } as Record<number, string>
const SIMPLE_ESCAPES = new Set([34, 92, 47, 98, 102, 110, 114, 116])

/** A slice of the text that may span chunks: pieces of earlier chunks plus the current one. */
export class Capture {
  active = false
  #start = 0
  #pieces: string[] = []
  #piecesLength = 0

  begin(at: number): void {
    this.active = true
    this.#start = at
    this.#pieces = []
    this.#piecesLength = 0
  }

  /** Characters captured up to `end` in the current chunk. */
  length(end: number): number {
    return this.#piecesLength + end - this.#start
  }

  /** The captured text up to `end` (exclusive) in the current chunk `s`; stops capturing. */
  take(s: string, end: number): string {
    const tail = s.slice(this.#start, end)
    const text = this.#pieces.length === 0 ? tail : this.#pieces.join('') + tail
    this.stop()
    return text
  }

  stop(): void {
    this.active = false
    this.#pieces = []
    this.#piecesLength = 0
  }

  /** Called when chunk `s` ends: keeps its captured part and continues at 0 in the next. */
  carry(s: string): void {
    if (!this.active) return
    const piece = s.slice(this.#start)
    this.#pieces.push(piece)
    this.#piecesLength += piece.length
    this.#start = 0
  }
}

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
  #escape = 0
  #isKey = false
  #num = 0
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
    if (this.#mode === Mode.number && NUM_CAN_END[this.#num]) this.#valueEnd('', 0)
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
      if (c === 32 || c === 9 || c === 13) continue
      if (c !== 10) break
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
        return c === 93 ? this.#close(s, i) : this.#beginValue(s, i, c)
      case Mode.objectFirst:
        if (c === 125) return this.#close(s, i)
        return this.#beginKey(i, c)
      case Mode.key:
        return this.#beginKey(i, c)
      case Mode.colon:
        if (c !== 58) this.#fail("Expecting ':' delimiter", i)
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
    if (c === 44) {
      this.#mode = kind === ARRAY ? Mode.value : Mode.key
      return i + 1
    }
    if ((kind === ARRAY && c === 93) || (kind === OBJECT && c === 125)) return this.#close(s, i)
    return this.#fail("Expecting ',' delimiter", i)
  }

  #beginKey(i: number, c: number): number {
    if (c !== 34) this.#fail('Expecting property name enclosed in double quotes', i)
    this.#mode = Mode.string
    this.#isKey = true
    this.#escape = 0
    this.keyStart(i)
    return i + 1
  }

  #beginValue(s: string, i: number, c: number): number {
    let mode: number
    if (c === 123) mode = Mode.objectFirst
    else if (c === 91) mode = Mode.arrayFirst
    else if (c === 34) mode = Mode.string
    else if (c === 45 || (c >= 48 && c <= 57)) mode = Mode.number
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
      this.#escape = 0
    } else if (mode === Mode.number)
      this.#num = c === 45 ? Num.minus : c === 48 ? Num.zero : Num.int
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
      if (this.#escape === 0) {
        let c = 0
        for (; i < n; i++) {
          c = s.charCodeAt(i)
          if (c === 34 || c === 92 || c < 32 || c > 127) break
        }
        if (i === n) return n
        if (c === 34) return this.#endString(s, i + 1)
        if (c < 32) this.#fail('Invalid control character', i)
        // A surrogate is half of a 4-byte character; other units take 2 or 3 bytes.
        if (c > 127) this.#extraBytes += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2
        else this.#escape = 1
      } else if (this.#escape === 1) {
        const c = s.charCodeAt(i)
        if (c === 117) this.#escape = 2
        else if (SIMPLE_ESCAPES.has(c)) this.#escape = 0
        else this.#fail('Invalid \\escape', i)
      } else {
        if (!isHex(s.charCodeAt(i))) this.#fail('Invalid \\uXXXX escape', i)
        this.#escape = this.#escape === 5 ? 0 : this.#escape + 1
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
    let st = this.#num
    for (let i = start; i < n; i++) {
      const c = s.charCodeAt(i)
      const digit = c >= 48 && c <= 57
      const next = nextNumberState(st, c, digit)
      if (next >= 0) {
        st = next
        continue
      }
      if (next === -2 || !NUM_CAN_END[st]) this.#fail('Invalid number', i)
      return this.#valueEnd(s, i)
    }
    this.#num = st
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

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
}

/** The next number state, -1 when `c` ends the number, -2 when it makes it invalid. */
function nextNumberState(st: number, c: number, digit: boolean): number {
  switch (st) {
    case Num.minus:
      return c === 48 ? Num.zero : digit ? Num.int : -2
    case Num.zero:
      return c === 46 ? Num.dot : c === 101 || c === 69 ? Num.e : digit ? -2 : -1
    case Num.int:
      return digit ? Num.int : c === 46 ? Num.dot : c === 101 || c === 69 ? Num.e : -1
    case Num.dot:
      return digit ? Num.frac : -2
    case Num.frac:
      return digit ? Num.frac : c === 101 || c === 69 ? Num.e : -1
    case Num.e:
      return c === 43 || c === 45 ? Num.sign : digit ? Num.exp : -2
    case Num.sign:
      return digit ? Num.exp : -2
    default:
      return digit ? Num.exp : -1
  }
}
