import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { TransactionSql } from '@ferry/db'
import type { BatchLimits, RecordSink } from './records.ts'

/** Queued work, in file order: COPY rows, or records whose type PostgreSQL must work out. */
type Segment = { rows: string } | { records: string }

/** What COPY's text format gives a special meaning to: backslash, tab, newline, return. */
const COPY_SPECIAL = /[\\\t\n\r\0]/
const COPY_SPECIAL_ALL = /[\\\t\n\r\0]/g
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  // Only in a `type` that jsonb refuses (`\u0000`), so that the row fails on record_data with
  // jsonb's own message, as the INSERT gave it, rather than on record_type's encoding.
  '\0': '',
}

/** `s` as one column of COPY's text format. */
export function copyText(s: string): string {
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c] ?? c) : s
}

/**
 * What `coalesce(r->>'type', 'unknown')` gives for a record whose `type` member has the JSON
 * text `typeJson`; undefined where only PostgreSQL can tell (a number, which jsonb normalises,
 * or an object or array, which it re-formats).
 */
export function recordType(typeJson: string | undefined): string | undefined {
  if (typeJson === undefined || typeJson === 'null') return 'unknown'
  if (typeJson.charCodeAt(0) === 34) {
    return typeJson.includes('\\') ? JSON.parse(typeJson) : typeJson.slice(1, -1)
  }
  if (typeJson === 'true' || typeJson === 'false') return typeJson
  return undefined
}

/**
 * Writes the splitter's records into processed_data with `COPY … FROM STDIN`, inside the file's
 * transaction, record_type worked out from the `type` member's text as `r->>'type'` would give
 * it. The rows of one chunk of the file are sent while the reader goes on parsing, and `ready()`
 * (the backpressure point the reader awaits between chunks) waits while the socket is full, so
 * memory stays bounded whatever the file size. Records whose type only PostgreSQL can tell go
 * in with an INSERT that asks it, between two COPYs, keeping the file's order.
 */
export class CopyInserter implements RecordSink {
  readonly #tx: TransactionSql
  readonly #fileId: number
  readonly #prefix: string
  readonly #maxRecords: number
  readonly #maxChars: number
  #rows: string[] = []
  #rowChars = 0
  #others: string[] = []
  #othersChars = 0
  #queued: Segment[] = []
  #resetPending = false
  #copy: Writable | undefined
  #failure: Error | undefined

  constructor(tx: TransactionSql, fileId: number, limits: BatchLimits = {}) {
    this.#tx = tx
    this.#fileId = fileId
    this.#prefix = `${fileId}\t`
    this.#maxRecords = limits.records ?? 10_000
    this.#maxChars = limits.chars ?? 1024 * 1024
  }

  record(json: string, typeJson: string | undefined): void {
    const type = recordType(typeJson)
    if (type === undefined) {
      this.#queueRows()
      this.#others.push(json)
      this.#othersChars += json.length
      if (this.#others.length >= this.#maxRecords || this.#othersChars >= this.#maxChars) {
        this.#queueOthers()
      }
      return
    }
    this.#queueOthers()
    const row = `${this.#prefix}${copyText(type)}\t${copyText(json)}\n`
    this.#rows.push(row)
    this.#rowChars += row.length
    if (this.#rows.length >= this.#maxRecords || this.#rowChars >= this.#maxChars) {
      this.#queueRows()
    }
  }

  reset(): void {
    this.#rows = []
    this.#rowChars = 0
    this.#others = []
    this.#othersChars = 0
    this.#queued = []
    this.#resetPending = true
  }

  /** Sends every record given so far; resolves once the connection takes more. */
  async ready(): Promise<void> {
    this.#queueRows()
    this.#queueOthers()
    if (this.#resetPending) {
      await this.#endCopy()
      this.#resetPending = false
      await this.#tx`delete from processed_data where file_log_id = ${this.#fileId}`
    }
    for (let next = this.#queued.shift(); next !== undefined; next = this.#queued.shift()) {
      if ('rows' in next) await this.#write(next.rows)
      else await this.#insert(next.records)
    }
  }

  /** Sends what is queued and waits until PostgreSQL has stored every record. */
  async finish(): Promise<void> {
    await this.ready()
    await this.#endCopy()
  }

  /**
   * Ends a COPY left open because the load failed elsewhere (a bad file, an abort), so that the
   * transaction can roll back: no other statement can run on the connection during a COPY.
   */
  abort(): void {
    this.#copy?.destroy(new Error('load abandoned'))
    this.#copy = undefined
  }

  #queueRows(): void {
    if (this.#rows.length === 0) return
    this.#queued.push({ rows: this.#rows.join('') })
    this.#rows = []
    this.#rowChars = 0
  }

  #queueOthers(): void {
    if (this.#others.length === 0) return
    this.#queued.push({ records: `[${this.#others.join(',')}]` })
    this.#others = []
    this.#othersChars = 0
  }

  async #write(rows: string): Promise<void> {
    const copy = this.#copy ?? (await this.#startCopy())
    this.#throwIfFailed()
    if (!copy.write(rows)) {
      this.#throwIfFailed()
      // Rejects on the stream's 'error': PostgreSQL refused a row.
      await once(copy, 'drain')
    }
  }

  async #startCopy(): Promise<Writable> {
    const copy = await this.#tx`
      copy processed_data (file_log_id, record_type, record_data) from stdin`.writable()
    this.#failure = undefined
    copy.on('error', (error: Error) => {
      this.#failure ??= error
    })
    this.#copy = copy
    return copy
  }

  /** Ends the open COPY, if any; throws PostgreSQL's error if it refused a row. */
  async #endCopy(): Promise<void> {
    const copy = this.#copy
    if (copy === undefined) return
    this.#copy = undefined
    this.#throwIfFailed()
    copy.end()
    await finished(copy)
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure
  }

  async #insert(records: string): Promise<void> {
    await this.#endCopy()
    // The parameter is typed text: postgres.js would JSON-encode a string sent as jsonb.
    await this.#tx`
      insert into processed_data (file_log_id, record_type, record_data)
      select ${this.#fileId}, coalesce(r->>'type', 'unknown'), r
      from jsonb_array_elements(${records}::text::jsonb) as r`
  }
}
