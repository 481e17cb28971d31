// The S3 part of the bench's AWS stand-in: path-style buckets in memory (`/<bucket>/<key>`), with
// what ferry's S3 driver uses on its hot paths: PUT (If-None-Match: *), HEAD, GET (whole or one
// byte range), ListObjectsV2 by prefix, DELETE, and HEAD of a bucket. Buckets exist on first use.
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

interface StoredObject {
  body: Buffer
  etag: string
  lastModified: Date
  contentType: string | undefined
  metadata: Record<string, string>
}

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' })
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`,
  )
}

/**
 * The payload of an `aws-chunked` body (what the SDK sends for a stream it checksums): chunks of
 * `<hex size>[;extensions]\r\n<bytes>\r\n`, ended by a zero-size chunk and optional trailers.
 */
export function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = raw.indexOf('\r\n', at)
    if (eol === -1) break
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16)
    if (!(size > 0)) break
    parts.push(raw.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(parts)
}

function headers(object: StoredObject): Record<string, string> {
  const out: Record<string, string> = {
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'content-type': object.contentType ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
  }
  for (const [name, value] of Object.entries(object.metadata)) out[`x-amz-meta-${name}`] = value
  return out
}

function listXml(bucket: string, objects: Map<string, StoredObject>, query: URLSearchParams) {
  const prefix = query.get('prefix') ?? ''
  const max = Number(query.get('max-keys') ?? 1000)
  const after = query.get('continuation-token') ?? query.get('start-after') ?? ''
  const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort()
  const page = keys.slice(0, max)
  const truncated = keys.length > page.length
  const contents = page
    .map((key) => {
      const o = objects.get(key) as StoredObject
      return `<Contents><Key>${xmlEscape(key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
    })
    .join('')
  const next = truncated
    ? `<NextContinuationToken>${xmlEscape(page.at(-1) ?? '')}</NextContinuationToken>`
    : ''
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`
}

/** An S3 in memory; `handle` answers one request whose body has been read into `body`. */
export function createS3() {
  const buckets = new Map<string, Map<string, StoredObject>>()
  const bucketOf = (name: string) => {
    let bucket = buckets.get(name)
    if (!bucket) {
      bucket = new Map()
      buckets.set(name, bucket)
    }
    return bucket
  }

  function put(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    raw: Buffer,
    bucket: Map<string, StoredObject>,
  ) {
    if (req.headers['if-none-match'] === '*' && bucket.has(key)) {
      sendError(res, 412, 'PreconditionFailed', 'At least one of the preconditions did not hold')
      return
    }
    const chunked = String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
    const body =
      chunked || /aws-chunked/.test(String(req.headers['content-encoding'] ?? ''))
        ? decodeAwsChunked(raw)
        : raw
    const metadata: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice(11)] = String(value)
    }
    const etag = `"${createHash('md5').update(body).digest('hex')}"`
    const contentType = req.headers['content-type']
    bucket.set(key, { body, etag, lastModified: new Date(), contentType, metadata })
    res.writeHead(200, { etag })
    res.end()
  }

  function get(req: IncomingMessage, res: ServerResponse, object: StoredObject) {
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''))
    if (!range) {
      res.writeHead(200, { ...headers(object), 'content-length': object.body.length })
      res.end(object.body)
      return
    }
    const start = Number(range[1])
    const end = Math.min(
      range[2] ? Number(range[2]) : object.body.length - 1,
      object.body.length - 1,
    )
    res.writeHead(206, {
      ...headers(object),
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${object.body.length}`,
    })
    res.end(object.body.subarray(start, end + 1))
  }

  return {
    /** Answers one request; returns the S3 operation's name, for counting. */
    handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): string {
      const [, bucketName = '', ...rest] = url.pathname.split('/')
      const key = decodeURIComponent(rest.join('/'))
      const bucket = bucketOf(decodeURIComponent(bucketName))
      const object = key ? bucket.get(key) : undefined
      const method = req.method ?? 'GET'
      if (!key) {
        if (method === 'HEAD') {
          res.writeHead(200)
          res.end()
          return 'HeadBucket'
        }
        if (method === 'PUT') {
          res.writeHead(200)
          res.end()
          return 'CreateBucket'
        }
        res.writeHead(200, { 'content-type': 'application/xml' })
        res.end(listXml(bucketName, bucket, url.searchParams))
        return 'ListObjectsV2'
      }
      if (method === 'PUT') {
        put(req, res, key, body, bucket)
        return 'PutObject'
      }
      if (method === 'DELETE') {
        bucket.delete(key)
        res.writeHead(204)
        res.end()
        return 'DeleteObject'
      }
      if (!object) {
        if (method === 'HEAD') {
          res.writeHead(404)
          res.end()
        } else sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.')
        return method === 'HEAD' ? 'HeadObject' : 'GetObject'
      }
      if (method === 'HEAD') {
        res.writeHead(200, { ...headers(object), 'content-length': object.body.length })
        res.end()
        return 'HeadObject'
      }
      get(req, res, object)
      return 'GetObject'
    },
    /** Objects in a bucket now. */
    count(bucket: string): number {
      return buckets.get(bucket)?.size ?? 0
    },
    /** Puts an object directly (a benchmark's input file). */
    seed(bucket: string, key: string, body: Buffer): void {
      const etag = `"${createHash('md5').update(body).digest('hex')}"`
      bucketOf(bucket).set(key, {
        body,
        etag,
        lastModified: new Date(),
        contentType: 'application/json',
        metadata: {},
      })
    },
  }
}
