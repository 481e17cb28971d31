/**
 * The one shape of multipart/form-data an S3-style POST upload has, read with @fastify/busboy:
 * text fields, then the `file` part, whose bytes are streamed and never held whole. Parts after
 * `file` are ignored, as S3 does.
 */
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Busboy } from '@fastify/busboy'

const LIMITS = { headerSize: 16 * 1024, fieldSize: 64 * 1024, files: 1 }

export class MultipartError extends Error {}

/** Whether a request's content type is `multipart/form-data`. */
export function isForm(contentType: string | undefined): contentType is string {
  return contentType !== undefined && /^multipart\/form-data\s*;/i.test(contentType)
}

/**
 * Reads the fields before the `file` part and returns them with a stream of that part's bytes.
 * Rejects with MultipartError for a malformed form or one without a `file` part; a form that
 * breaks off inside the file part fails the file stream.
 */
export function readUpload(
  request: IncomingMessage,
  contentType: string,
): Promise<{ fields: Map<string, string>; file: Readable }> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>()
    let file: Readable | undefined
    const fail = (error: unknown) => {
      const problem = new MultipartError(error instanceof Error ? error.message : String(error))
      if (!file) reject(problem)
      else if (!file.destroyed) file.destroy(problem)
    }
    let form: ReturnType<typeof Busboy>
    try {
      form = Busboy({
        headers: { ...request.headers, 'content-type': contentType },
        limits: LIMITS,
        isPartAFile: (name) => name === 'file',
      })
    } catch (error) {
      return fail(error)
    }
    form.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (file) return
      if (valueTruncated) fail('a form part is too large')
      else if (!name) fail('a form part has no name')
      else fields.set(name, value)
    })
    form.on('file', (_name, stream) => {
      // Its reader sees a failure as it reads; once the reader stopped, a late one must not crash.
      stream.on('error', () => undefined)
      file = stream
      resolve({ fields, file })
    })
    form.on('finish', () => {
      if (!file) fail('the form has no file part')
    })
    pipeline(request, form).catch(fail)
  })
}
