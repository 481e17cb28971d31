import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CloudError } from '../errors.ts'
import type { UploadOptions } from './store.ts'

/** An upload body passed through a byte counter that enforces the size limit and the signal. */
export interface MeteredBody {
  stream: Readable
  /** Bytes that went through so far. */
  size(): number
  /**
   * Why the body failed (TooLarge, aborted, or the source's error as InvalidArgument), or
   * undefined while it has not: a driver throws this rather than what the SDK made of it.
   */
  failure(): CloudError | undefined
  /** Stops reading and destroys the source; call after a failed upload. */
  destroy(): void
}

/**
 * Wraps `source` so that a driver can hand the result to its writer: past `maxBytes` or once
 * `signal` aborts the stream errors, and its errors are kept for `failure()`.
 */
export function meterBody(source: Readable, options: UploadOptions): MeteredBody {
  let size = 0
  let failed: CloudError | undefined
  const fail = (error: CloudError) => {
    failed ??= error
    return failed
  }
  const { maxBytes, signal } = options
  const meter = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += bytes.length
      if (maxBytes !== undefined && size > maxBytes) {
        done(fail(new CloudError('TooLarge', `the body is larger than ${maxBytes} bytes`)))
      } else done(null, bytes)
    },
  })
  const abort = () => meter.destroy(fail(new CloudError('InvalidArgument', 'upload aborted')))
  if (signal?.aborted) abort()
  else signal?.addEventListener('abort', abort, { once: true })
  let stopped = false
  // Recorded as the source reports it, before any consumer of the meter sees the failure.
  source.on('error', (error) => {
    if (!stopped)
      fail(new CloudError('InvalidArgument', 'reading the upload body failed', { cause: error }))
  })
  source.on('close', () => {
    if (!stopped && !source.readableEnded)
      fail(new CloudError('InvalidArgument', 'the upload body ended early'))
  })
  pipeline(source, meter).then(
    () => signal?.removeEventListener('abort', abort),
    () => signal?.removeEventListener('abort', abort),
  )
  return {
    stream: meter,
    size: () => size,
    failure: () => failed,
    destroy: () => {
      stopped = true
      if (!meter.destroyed) meter.destroy()
      if (!source.destroyed) source.destroy()
    },
  }
}
