import type { TransactionSql } from '@ferry/db'
import type { RecordSink } from './records.ts'

/**
 * Inserts the splitter's batches into processed_data, one multi-row statement each, inside the
 * file's transaction. One statement is in flight while the reader goes on parsing, so parsing
 * and the database overlap; `ready()` is the backpressure point the reader awaits between
 * chunks.
 */
export class BatchInserter implements RecordSink {
  readonly #tx: TransactionSql
  readonly #fileId: number
  #queued: string[] = []
  #inFlight: Promise<unknown> = Promise.resolve()
  #resetPending = false

  constructor(tx: TransactionSql, fileId: number) {
    this.#tx = tx
    this.#fileId = fileId
  }

  batch(json: string): void {
    this.#queued.push(json)
  }

  reset(): void {
    this.#queued = []
    this.#resetPending = true
  }

  /** Resolves once every queued batch was sent; at most the last one is still running. */
  async ready(): Promise<void> {
    if (this.#resetPending) {
      await this.#inFlight
      this.#resetPending = false
      await this.#tx`delete from processed_data where file_log_id = ${this.#fileId}`
    }
    for (let json = this.#queued.shift(); json !== undefined; json = this.#queued.shift()) {
      await this.#inFlight
      this.#inFlight = this.#insert(json)
    }
  }

  /** Sends what is queued and waits for every insert. */
  async finish(): Promise<void> {
    await this.ready()
    await this.#inFlight
  }

  #insert(json: string): Promise<unknown> {
    // The parameter is typed text: postgres.js would JSON-encode a string sent as jsonb.
    const insert = this.#tx`
      insert into processed_data (file_log_id, record_type, record_data)
      select ${this.#fileId}, coalesce(r->>'type', 'unknown'), r
      from jsonb_array_elements(${json}::text::jsonb) as r`.execute()
    insert.catch(() => undefined)
    return insert
  }
}
