/**
 * A streaming reader of the one shape of multipart/form-data an S3-style POST upload has: text
 * fields, then the `file` part, whose bytes are streamed and never held whole. Parts after
 * `file` are ignored, as S3 does.
 */

const CRLF = Buffer.from('\r\n')
const MAX_HEADER_BYTES = 16 * 1024
const MAX_FIELD_BYTES = 64 * 1024

export class MultipartError extends Error {}

class ByteReader {
  private buffer = Buffer.alloc(0)
  private readonly source: AsyncIterator<Buffer | string>

  constructor(source: AsyncIterable<Buffer | string>) {
    this.source = source[Symbol.asyncIterator]()
  }

  private async fill(): Promise<void> {
    const next = await this.source.next()
    if (next.done) throw new MultipartError('the form ended early')
    this.buffer = Buffer.concat([this.buffer, Buffer.from(next.value)])
  }

  async take(length: number): Promise<Buffer> {
    while (this.buffer.length < length) await this.fill()
    const out = this.buffer.subarray(0, length)
    this.buffer = this.buffer.subarray(length)
    return out
  }

  /** The bytes before `delimiter` (which is consumed); at most `max` of them. */
  async readUntil(delimiter: Buffer, max: number): Promise<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(delimiter)
      if (at !== -1) {
        const out = this.buffer.subarray(0, at)
        this.buffer = this.buffer.subarray(at + delimiter.length)
        return out
      }
      if (this.buffer.length > max + delimiter.length)
        throw new MultipartError('a form part is too large')
      await this.fill()
    }
  }

  /** Yields the bytes before `delimiter` as they arrive, holding back only a possible split. */
  async *streamUntil(delimiter: Buffer): AsyncGenerator<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(delimiter)
      if (at !== -1) {
        if (at > 0) yield this.buffer.subarray(0, at)
        this.buffer = this.buffer.subarray(at + delimiter.length)
        return
      }
      const safe = this.buffer.length - (delimiter.length - 1)
      if (safe > 0) {
        yield this.buffer.subarray(0, safe)
        this.buffer = this.buffer.subarray(safe)
      }
      await this.fill()
    }
  }
}

/** The boundary of a `multipart/form-data` content type, or undefined for any other type. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return match?.[1] ?? match?.[2]
}

function partName(headers: string): string {
  const disposition = headers.split('\r\n').find((line) => /^content-disposition:/i.test(line))
  const name = disposition && /;\s*name="([^"]*)"/i.exec(disposition)?.[1]
  if (name === undefined || name === '') throw new MultipartError('a form part has no name')
  return name
}

/**
 * Reads the fields before the `file` part and returns them with a stream of that part's bytes.
 * Throws MultipartError for a malformed form or one without a `file` part.
 */
export async function readUpload(
  source: AsyncIterable<Buffer | string>,
  boundary: string,
): Promise<{ fields: Map<string, string>; file: AsyncGenerator<Buffer> }> {
  const reader = new ByteReader(source)
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  // The first delimiter may open the body, without the CRLF that precedes the others.
  await reader.readUntil(delimiter.subarray(2), MAX_FIELD_BYTES)
  const fields = new Map<string, string>()
  for (;;) {
    const after = (await reader.take(2)).toString()
    if (after === '--') throw new MultipartError('the form has no file part')
    if (after !== '\r\n') throw new MultipartError('malformed form boundary')
    const name = partName(
      (await reader.readUntil(Buffer.concat([CRLF, CRLF]), MAX_HEADER_BYTES)).toString(),
    )
    if (name === 'file') return { fields, file: reader.streamUntil(delimiter) }
    fields.set(name, (await reader.readUntil(delimiter, MAX_FIELD_BYTES)).toString())
  }
}
