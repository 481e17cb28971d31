import { FileError } from './file-error.ts'
import { Capture, JsonScanner } from './json-scan.ts'

/** Which extraction rule gave a file its records. */
export type RecordSource = 'array' | 'records' | 'data' | 'object'

/** Receives records as the splitter finds them. */
export interface RecordSink {
  /**
   * The next record (an object), in file order: its exact text, and the JSON text of its
   * top-level `type` member (the last one if the name repeats, as in jsonb), undefined if none.
   */
  record(json: string, typeJson: string | undefined): void
  /** Forget every record given so far: a `records` array came after a `data` array. */
  reset(): void
}

export interface BatchLimits {
  /** Records per write to the database, default 10,000. */
  records?: number
  /** Characters per write to the database, default 1 Mi. */
  chars?: number
  /** Largest record, in bytes of its UTF-8 text (MAX_RECORD_BYTES), default 16 MiB. */
  recordBytes?: number
}

export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024

export interface Extraction {
  source: RecordSource
  count: number
}

const SCALAR_TYPES: Record<number, string> = {
  34: 'string',
  116: 'boolean',
  102: 'boolean',
  110: 'null',
}

/**
 * Splits a JSON document into records while it streams, following the extraction rules: a
 * top-level array gives its elements; an object gives its `records` array, else its `data`
 * array, else itself. Each record is a slice of the source, so records keep their exact text
 * and numbers their precision; the text of its top-level `type` member comes with it, so that
 * the sink need not parse the record.
 *
 * Memory: records of a `records`/`data` array stream whatever the order of the object's keys.
 * A `data` array that comes first streams tentatively and is reset if a `records` array follows.
 * Until one of the two arrays shows up, the top-level object itself is buffered, because it is
 * the record if neither exists: a single-object file is held in memory until it passes the
 * record limit. A record larger than `recordBytes` fails the file as soon as the scan passes the
 * limit, so no record, member name or buffered object ever holds more than the limit plus one
 * chunk. With duplicate keys the first array wins.
 */
export class RecordSplitter extends JsonScanner {
  readonly #sink: RecordSink
  readonly #maxRecordBytes: number
  /** Byte offset where the open record (an object being captured) started, else -1. */
  #recordStart = -1
  #recordIndex = 0
  #objectStart = 0
  #objectTooLarge = false
  #top: string | undefined
  #captureDepth = -1
  #source: RecordSource = 'array'
  #index = 0
  #count = 0
  #memberKey: string | undefined
  #streamMember = false
  #recordsSeen = false
  #dataSeen = false
  #dataError: string | undefined
  #objectText: string | undefined
  readonly #span = new Capture()
  readonly #object = new Capture()
  readonly #memberName = new Capture()
  /** A member name of the open record, while it may be `type`. */
  readonly #recordKey = new Capture()
  #typeNext = false
  readonly #typeValue = new Capture()
  #typeJson: string | undefined

  constructor(key: string, sink: RecordSink, limits: BatchLimits = {}) {
    super(key)
    this.#sink = sink
    this.#maxRecordBytes = limits.recordBytes ?? DEFAULT_MAX_RECORD_BYTES
  }

  /** After the last chunk: validates the end of the document and applies the extraction rules. */
  end(): Extraction {
    this.finish()
    if (this.#top === 'array') {
      if (this.#index === 0) throw new FileError(`Empty array in ${this.key}`)
      return { source: 'array', count: this.#count }
    }
    if (this.#top !== 'object') {
      const got = this.#top ?? 'nothing'
      throw new FileError(
        `Unexpected JSON structure in ${this.key}: expected object or array, got ${got}`,
      )
    }
    if (!this.#recordsSeen && !this.#dataSeen) {
      if (this.#objectTooLarge) this.#tooLarge(0)
      const text = this.#objectText ?? '{}'
      const type: unknown = JSON.parse(text).type
      this.#sink.record(text, type === undefined ? undefined : JSON.stringify(type))
      return { source: 'object', count: 1 }
    }
    if (!this.#recordsSeen && this.#dataError) throw new FileError(this.#dataError)
    if (this.#count === 0) throw new FileError(`No records extracted from ${this.key}`)
    return { source: this.#source, count: this.#count }
  }

  protected valueStart(_s: string, i: number, c: number, depth: number): void {
    if (depth === 0) this.#startTop(i, c)
    else if (depth === this.#captureDepth) this.#startRecord(i, c)
    else if (this.#typeNext && depth === this.#captureDepth + 1) {
      this.#typeNext = false
      if (this.#recordStart >= 0) this.#typeValue.begin(i)
    } else if (depth === 1 && this.#top === 'object' && c === 91) this.#startArrayMember()
  }

  protected valueEnd(s: string, end: number): void {
    const depth = this.stack.length
    if (depth === this.#captureDepth) {
      if (this.#span.active) this.#recordEnd(s, end)
    } else if (this.#typeValue.active && depth === this.#captureDepth + 1) {
      this.#typeJson = this.#typeValue.take(s, end)
    } else if (depth === 1 && this.#streamMember) {
      this.#streamMember = false
      this.#captureDepth = -1
    } else if (depth === 0) {
      if (this.#object.active) this.#endObject(s, end)
    }
  }

  protected keyStart(i: number): void {
    const depth = this.stack.length
    if (depth === 1 && this.#top === 'object') {
      this.#memberKey = undefined
      this.#memberName.begin(i)
    } else if (depth === this.#captureDepth + 1 && this.#recordStart >= 0) {
      this.#recordKey.begin(i)
    }
  }

  protected keyEnd(s: string, end: number): void {
    if (this.#memberName.active) this.#memberKey = JSON.parse(this.#memberName.take(s, end))
    else if (this.#recordKey.active) this.#typeNext = isTypeName(this.#recordKey, s, end)
  }

  protected chunkEnd(s: string): void {
    const end = this.bytesAt(s.length)
    if (this.#recordStart >= 0 && end - this.#recordStart > this.#maxRecordBytes) {
      this.#recordTooLarge()
    }
    if (this.#object.active && end - this.#objectStart > this.#maxRecordBytes) {
      // Too large to be the record; a records or data array may still follow.
      this.#object.stop()
      this.#objectTooLarge = true
    }
    // A member name this long is neither `records` nor `data`.
    if (this.#memberName.active && this.#memberName.length(s.length) > this.#maxRecordBytes) {
      this.#memberName.stop()
    }
    this.#span.carry(s)
    this.#object.carry(s)
    this.#memberName.carry(s)
    this.#recordKey.carry(s)
    this.#typeValue.carry(s)
  }

  #startTop(i: number, c: number): void {
    if (c === 123) {
      this.#top = 'object'
      this.#objectStart = this.bytesAt(i)
      this.#object.begin(i)
    } else if (c === 91) {
      this.#top = 'array'
      this.#captureDepth = 1
    } else {
      this.#top = SCALAR_TYPES[c] ?? 'number'
    }
  }

  #startRecord(i: number, c: number): void {
    const index = this.#index++
    if (c === 123) {
      if (this.#dataError !== undefined) return
      this.#span.begin(i)
      this.#typeJson = undefined
      this.#recordStart = this.bytesAt(i)
      this.#recordIndex = index
      return
    }
    const message = `Record ${index} in ${this.key} is not an object`
    if (this.#source !== 'data') throw new FileError(message)
    // A later `records` array would make this data array irrelevant: decide at the end.
    this.#dataError ??= message
    this.#span.stop()
  }

  #recordEnd(s: string, end: number): void {
    if (this.bytesAt(end) - this.#recordStart > this.#maxRecordBytes) {
      this.#recordTooLarge()
      return
    }
    this.#recordStart = -1
    this.#count++
    this.#sink.record(this.#span.take(s, end), this.#typeJson)
  }

  #endObject(s: string, end: number): void {
    if (this.bytesAt(end) - this.#objectStart > this.#maxRecordBytes) {
      this.#object.stop()
      this.#objectTooLarge = true
    } else {
      this.#objectText = this.#object.take(s, end)
    }
  }

  #tooLargeMessage(index: number): string {
    return `Record ${index} in ${this.key} is larger than MAX_RECORD_BYTES (${this.#maxRecordBytes} bytes)`
  }

  #tooLarge(index: number): never {
    throw new FileError(this.#tooLargeMessage(index))
  }

  /** The open record passed the limit: fails the file, or a data array as #startRecord does. */
  #recordTooLarge(): void {
    const message = this.#tooLargeMessage(this.#recordIndex)
    if (this.#source !== 'data') throw new FileError(message)
    this.#dataError ??= message
    this.#span.stop()
    this.#typeValue.stop()
    this.#recordKey.stop()
    this.#recordStart = -1
  }

  #startArrayMember(): void {
    if (this.#memberKey === 'records' && !this.#recordsSeen) {
      this.#recordsSeen = true
      if (this.#dataSeen) {
        this.#sink.reset()
        this.#dataError = undefined
      }
      this.#openStream('records')
    } else if (this.#memberKey === 'data' && !this.#dataSeen && !this.#recordsSeen) {
      this.#dataSeen = true
      this.#openStream('data')
    }
  }

  #openStream(source: RecordSource): void {
    this.#source = source
    this.#captureDepth = 2
    this.#index = 0
    this.#count = 0
    this.#streamMember = true
    this.#object.stop()
  }
}

/** Whether the member name captured up to `end` is `type`, written plainly or with escapes. */
function isTypeName(name: Capture, s: string, end: number): boolean {
  const length = name.length(end)
  // `"type"`, or the same with escapes: at most 4 `\uXXXX`.
  if (length < 6 || length > 26) {
    name.stop()
    return false
  }
  const text = name.take(s, end)
  return text === '"type"' || (text.includes('\\') && JSON.parse(text) === 'type')
}
