import type { Readable } from 'node:stream'

/** What a store knows about one object. `etag` is quoted exactly as S3 returns it. */
export interface ObjectInfo {
  key: string
  size: number
  etag: string
  lastModified: Date
  contentType?: string
  /** User metadata (S3 `x-amz-meta-*`), keys lower-case. */
  metadata: Record<string, string>
}

export interface PutOptions {
  contentType?: string
  metadata?: Record<string, string>
  /** `'*'`: write only if no object has the key (else PreconditionFailed). */
  ifNoneMatch?: '*'
  /** Write only if the current object's etag equals this (else PreconditionFailed; NotFound if absent). */
  ifMatch?: string
  /** Ask the store to verify the body against a checksum it computes (S3: x-amz-checksum-sha256). */
  checksum?: 'SHA256' | 'CRC32'
  /** Body length in bytes, required for a stream body of known size. */
  contentLength?: number
}

export interface UploadOptions {
  contentType?: string
  metadata?: Record<string, string>
  /** A body longer than this fails with TooLarge. */
  maxBytes?: number
  /** Aborting fails the upload (InvalidArgument). */
  signal?: AbortSignal
}

export interface UploadResult {
  etag: string
  /** The body's length in bytes. */
  size: number
}

export interface GetOptions {
  /** Inclusive byte range, as in HTTP `Range: bytes=start-end` (end optional). */
  range?: { start: number; end?: number }
}

export interface GetResult extends ObjectInfo {
  body: Readable
  /** Present when a range was asked: the `Content-Range` value, e.g. `bytes 0-9/100`. */
  contentRange?: string
}

export interface ListOptions {
  prefix?: string
  /** With `/`, keys below the next `/` after the prefix are folded into `prefixes`. */
  delimiter?: string
  /** At most this many keys + prefixes in one page (1–1000; default 1000). */
  limit?: number
  /** Opaque `nextCursor` of the previous page. */
  cursor?: string
}

export interface ListPage {
  objects: ObjectInfo[]
  /** Common prefixes (folders), each ending with the delimiter. */
  prefixes: string[]
  /** Set when there is another page. */
  nextCursor?: string
}

export interface DeleteResult {
  deleted: string[]
  errors: { key: string; message: string }[]
}

export interface PresignPostResult {
  url: string
  fields: Record<string, string>
}

/**
 * One bucket (S3) or one directory (local). Every method throws only `CloudError`.
 */
export interface ObjectStore {
  /** The bucket name (S3) or the directory (local); for logs and messages. */
  readonly name: string

  /**
   * Stores `body` under `key`, replacing any object there unless a condition says otherwise.
   * Atomic: a reader sees the old object or the new one, never a part. Returns the new etag.
   * Conditions: `ifNoneMatch: '*'` → PreconditionFailed if the key exists; `ifMatch` →
   * PreconditionFailed if the etag differs, NotFound if there is no object.
   */
  put(
    key: string,
    body: Buffer | string | Readable,
    options?: PutOptions,
  ): Promise<{ etag: string }>

  /**
   * Streams `body` to `key` without ever holding it whole (S3: one PUT for a body of up to one
   * part, else a multipart upload of bounded parts), replacing any object there once the last
   * byte arrived. A body over `maxBytes` fails with TooLarge, an aborted `signal` or a failing
   * body with InvalidArgument (the body's error as `cause`). A failed upload stores nothing:
   * the object at `key` stays as it was and no partial upload is left behind. The body is
   * consumed on success and destroyed on failure.
   */
  upload(key: string, body: Readable, options?: UploadOptions): Promise<UploadResult>

  /** Reads an object as a stream. NotFound if absent. A range reads only those bytes. */
  get(key: string, options?: GetOptions): Promise<GetResult>

  /** Reads a whole object into memory. NotFound if absent. For small objects only. */
  getBuffer(key: string): Promise<{ body: Buffer; info: ObjectInfo }>

  /** The object's info without its body, or `undefined` if absent. */
  head(key: string): Promise<ObjectInfo | undefined>

  /** One page of keys in lexical order. Paginate with `cursor` until no `nextCursor`. */
  list(options?: ListOptions): Promise<ListPage>

  /** Deletes up to 1000 keys in one call. Absent keys count as deleted (as in S3). */
  delete(keys: string[]): Promise<DeleteResult>

  /**
   * Copies `source` to `destination` server-side with its content type and metadata, of any
   * size (S3: a multipart copy past 5 GB). NotFound if the source is absent.
   */
  copy(
    source: string,
    destination: string,
    options?: { ifNoneMatch?: '*' },
  ): Promise<{ etag: string }>

  /** A URL that a plain HTTP GET turns into the object's bytes until it expires. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>

  /**
   * An HTML-form POST (multipart: `fields` then a `file` part) to `url` that creates exactly
   * `key`, with a body of at most `maxBytes`, until it expires.
   */
  presignPost(
    key: string,
    options: { expiresInSeconds: number; maxBytes: number },
  ): Promise<PresignPostResult>

  /** Cheap reachability check for readiness probes. Throws CloudError if unreachable. */
  ping(): Promise<void>

  /** Releases sockets. */
  close(): Promise<void>
}
