/**
 * Presigned URLs for the local object store, and the node:http handler that answers them. A URL
 * is `<baseUrl>/_local/objects/<key, each segment URL-encoded>?X-Ferry-Expires=<ms>
 * [&X-Ferry-Max-Bytes=<n>]&X-Ferry-Signature=<hex>`, the signature an HMAC-SHA256 with the
 * store's secret over the method, key, expiry and size limit.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { attachmentFor } from '../../disposition.ts'
import { CloudError, isCloudError } from '../../errors.ts'
import { parseRangeHeader } from '../range.ts'
import type { ObjectStore } from '../store.ts'
import { isForm, MultipartError, readUpload } from './multipart.ts'

export interface LocalPresignOptions {
  /** The origin (and any path) where a server runs `serveLocalPresigned`, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string
  secret: string
}

const PATH = '/_local/objects/'
type Method = 'GET' | 'POST'

function sign(
  secret: string,
  method: Method,
  key: string,
  expires: number,
  maxBytes: string,
): string {
  // JSON keeps the fields apart whatever a key holds.
  return createHmac('sha256', secret)
    .update(JSON.stringify([method, key, expires, maxBytes]))
    .digest('hex')
}

/** A URL that `serveLocalPresigned` with the same secret accepts until it expires. */
export function presignLocalUrl(
  options: LocalPresignOptions,
  method: Method,
  key: string,
  expiresInSeconds: number,
  maxBytes?: number,
): string {
  const expires = Date.now() + Math.round(expiresInSeconds * 1000)
  const max = maxBytes === undefined ? '' : String(maxBytes)
  const query = new URLSearchParams({ 'X-Ferry-Expires': String(expires) })
  if (max) query.set('X-Ferry-Max-Bytes', max)
  query.set('X-Ferry-Signature', sign(options.secret, method, key, expires, max))
  const path = key.split('/').map(encodeURIComponent).join('/')
  return `${options.baseUrl.replace(/\/+$/, '')}${PATH}${path}?${query}`
}

function reply(response: ServerResponse, status: number, code: string, message: string): void {
  const esc = (s: string) => s.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)
  response.writeHead(status, { 'content-type': 'application/xml', connection: 'close' })
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${esc(message)}</Message></Error>`,
  )
}

function signedKey(
  secret: string,
  method: Method,
  url: URL,
  start: number,
): { key: string; maxBytes: number } | string {
  let key: string
  try {
    key = url.pathname
      .slice(start + PATH.length)
      .split('/')
      .map(decodeURIComponent)
      .join('/')
  } catch {
    return 'malformed key'
  }
  const expires = Number(url.searchParams.get('X-Ferry-Expires'))
  const max = url.searchParams.get('X-Ferry-Max-Bytes') ?? ''
  const given = Buffer.from(url.searchParams.get('X-Ferry-Signature') ?? '', 'hex')
  const wanted = Buffer.from(sign(secret, method, key, expires, max), 'hex')
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return 'The request signature does not match'
  }
  if (Date.now() > expires) return 'Request has expired'
  return { key, maxBytes: Number(max) }
}

/** The range a Range header asks for, read against the object's size. */
async function rangeOf(store: ObjectStore, key: string, header: string | undefined) {
  if (header === undefined) return undefined
  const info = await store.head(key)
  if (!info) throw new CloudError('NotFound', `${key} does not exist`)
  const range = parseRangeHeader(header, info.size)
  if (range.kind === 'unsatisfiable') {
    throw new CloudError('InvalidArgument', `InvalidRange: ${header} of ${info.size} bytes`)
  }
  return range.kind === 'part' ? { start: range.start, end: range.end } : undefined
}

async function serveGet(
  store: ObjectStore,
  key: string,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const object = await store.get(key, { range: await rangeOf(store, key, request.headers.range) })
  response.writeHead(object.contentRange ? 206 : 200, {
    'content-type': object.contentType ?? 'binary/octet-stream',
    'content-length': object.size,
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    // The api's origin serves these: a tenant's HTML must be saved, never rendered or sniffed.
    'content-disposition': attachmentFor(key),
    'x-content-type-options': 'nosniff',
    ...(object.contentRange ? { 'content-range': object.contentRange } : {}),
  })
  await pipeline(object.body, response)
}

async function servePost(
  store: ObjectStore,
  key: string,
  maxBytes: number,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const contentType = request.headers['content-type']
  if (!isForm(contentType)) {
    return reply(response, 400, 'InvalidArgument', 'POST requires multipart/form-data')
  }
  const { fields, file } = await readUpload(request, contentType)
  if (fields.get('key') !== key) {
    return reply(
      response,
      403,
      'AccessDenied',
      'Invalid according to Policy: Policy Condition failed: ["eq", "$key"]',
    )
  }
  let size = 0
  const limited = async function* () {
    for await (const chunk of file) {
      size += chunk.length
      if (size > maxBytes) throw new Error('EntityTooLarge')
      yield chunk
    }
  }
  let etag: string
  try {
    etag = (await store.put(key, Readable.from(limited()))).etag
  } catch (error) {
    if (size <= maxBytes) throw error
    return reply(
      response,
      400,
      'EntityTooLarge',
      'Your proposed upload exceeds the maximum allowed size',
    )
  }
  response.writeHead(204, { etag, location: request.url ?? '' })
  response.end()
}

/**
 * Answers a request to a URL that a local store with this `secret` presigned: a GET streams the
 * object, a POST (multipart form: fields, then `file`) creates exactly the signed key with at most
 * the signed size (else 400 EntityTooLarge). A bad or expired signature gets 403. Returns false,
 * answering nothing, when the path is not a presigned path, so a host server can go on routing.
 */
export async function serveLocalPresigned(
  store: ObjectStore,
  secret: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  const url = new URL(request.url ?? '/', 'http://local')
  const start = url.pathname.indexOf(PATH)
  if (start === -1) return false
  const method = request.method
  if (method !== 'GET' && method !== 'POST') {
    reply(response, 405, 'MethodNotAllowed', `${method} is not allowed on a presigned URL`)
    return true
  }
  const signed = signedKey(secret, method, url, start)
  if (typeof signed === 'string') {
    reply(response, 403, 'AccessDenied', signed)
    return true
  }
  try {
    if (method === 'GET') await serveGet(store, signed.key, request, response)
    else await servePost(store, signed.key, signed.maxBytes, request, response)
  } catch (error) {
    answerError(error, response)
  }
  return true
}

/** S3's status and code for what went wrong; internals stay out of the body. */
function answerError(error: unknown, response: ServerResponse): void {
  if (response.headersSent) {
    response.destroy()
    return
  }
  const message = error instanceof Error ? error.message : ''
  if (error instanceof MultipartError) reply(response, 400, 'MalformedPOSTRequest', message)
  else if (isCloudError(error, 'NotFound'))
    reply(response, 404, 'NoSuchKey', 'The specified key does not exist.')
  else if (isCloudError(error, 'InvalidArgument') && message.includes('InvalidRange')) {
    reply(response, 416, 'InvalidRange', 'The requested range is not satisfiable')
  } else if (isCloudError(error, 'InvalidArgument'))
    reply(response, 400, 'InvalidArgument', message)
  else reply(response, 500, 'InternalError', 'We encountered an internal error. Please try again.')
}
