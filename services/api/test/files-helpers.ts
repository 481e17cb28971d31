/** The api listening on a real port, and plain-fetch clients of its /files routes. */
import { freePort } from '@ferry/db/testing'
import { signHs256, type TokenClaims } from '../src/jwt.ts'
import { buildTestApp, type Drivers, SECRET, type TestApp } from './helpers.ts'

/** A token whose tenant is `tenant` (claim tenant_id), with a sub of its own. */
export function tenantToken(tenant: string): string {
  return claimsToken({ sub: `user-of-${tenant}`, tenant_id: tenant })
}

/** A token with exactly these claims (and iat/exp), signed with the test secret. */
export function claimsToken(claims: Record<string, unknown>): string {
  return signHs256(claims as TokenClaims, SECRET, 3600)
}

/** A fetch Response whose JSON the test reads as the shape it asserts (as app.inject's does). */
// biome-ignore lint/suspicious/noExplicitAny: the assertions that follow check the shape
export type Answer = Omit<Response, 'json'> & { json(): Promise<any> }

export interface FilesApp extends TestApp {
  /** `http://127.0.0.1:<port>`, where the app listens. */
  url: string
  /** fetch() of a path of the app with `token` as bearer. */
  call(token: string, path: string, init?: RequestInit): Promise<Answer>
  /** A JSON request to the app with `token` as bearer. */
  json(token: string, method: string, path: string, body?: unknown): Promise<Answer>
  /** Uploads `files` as multipart parts named `field` to `path` (default /files/upload). */
  upload(
    token: string,
    files: FormFile[],
    options?: { path?: string; field?: string },
  ): Promise<Answer>
}

export interface FormFile {
  name: string
  body: string | Uint8Array
  type?: string
}

/**
 * The api on real drivers, listening on a free port that PUBLIC_URL names, so the presigned
 * URLs of a local files bucket reach it.
 */
export async function startFilesApp(
  drivers: Drivers,
  env: Record<string, string> = {},
): Promise<FilesApp> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const test = await buildTestApp({ drivers, env: { PUBLIC_URL: url, LOG_LEVEL: 'warn', ...env } })
  await test.app.listen({ port, host: '127.0.0.1' })
  const call = (token: string, path: string, init: RequestInit = {}): Promise<Answer> =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    })
  return {
    ...test,
    url,
    call,
    json: (token, method, path, body) =>
      call(token, path, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      }),
    upload: (token, files, options = {}) => {
      const form = new FormData()
      for (const file of files) {
        const blob = new Blob([file.body], file.type ? { type: file.type } : {})
        form.append(options.field ?? 'file', blob, file.name)
      }
      return call(token, options.path ?? '/files/upload', { method: 'POST', body: form })
    },
  }
}

/**
 * A multipart/form-data request body with one file part whose `size` bytes are made as they
 * are sent, in 64 KiB chunks, so the client holds none of it.
 */
export function streamedForm(filename: string, size: number, field = 'file') {
  const boundary = `----ferry${Math.random().toString(16).slice(2)}`
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  let sent = -1
  // Pulled one chunk at a time, so the client makes bytes only as fast as the server takes them.
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent < 0) controller.enqueue(head)
        else if (sent < size) {
          controller.enqueue(
            new Uint8Array(Math.min(64 * 1024, size - sent)).fill(sent / (64 * 1024)),
          )
        } else {
          controller.enqueue(tail)
          controller.close()
        }
        sent = sent < 0 ? 0 : sent + 64 * 1024
      },
    },
    { highWaterMark: 0 },
  )
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: 'half' as const,
  }
}

/** Collects every page of a folder's listing. */
export async function listAll(app: FilesApp, token: string, folder: string, limit = 1000) {
  const pages: { items: { key: string; type: string }[]; next_cursor: string | null }[] = []
  let cursor: string | null = null
  do {
    const query = new URLSearchParams({ folder, limit: String(limit) })
    if (cursor) query.set('cursor', cursor)
    const response = await app.call(token, `/files/list?${query}`)
    if (response.status !== 200)
      throw new Error(`list: ${response.status} ${await response.text()}`)
    const page = (await response.json()) as (typeof pages)[number]
    pages.push(page)
    cursor = page.next_cursor
  } while (cursor)
  return pages
}

/** The form a client POSTs to a presigned upload: its fields, then `body` as the "file" part. */
export function presignedForm(post: { fields: Record<string, string> }, body: string): FormData {
  const form = new FormData()
  for (const [name, value] of Object.entries(post.fields)) form.append(name, value)
  form.append('file', new Blob([body]), 'upload.bin')
  return form
}

/** The text of a tenant's file, read back through the api. */
export async function fileBytes(app: FilesApp, token: string, path: string): Promise<string> {
  const response = await app.call(token, `/files/download/${path}`)
  if (response.status !== 200) throw new Error(`download ${path}: ${response.status}`)
  return response.text()
}
