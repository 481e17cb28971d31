import { STATUS_CODES } from 'node:http'
import { type Static, Type } from '@sinclair/typebox'

/** One failing field of a request, located by a JSON pointer into the validated part. */
export const ProblemFieldError = Type.Object({
  path: Type.String({ description: 'JSON pointer to the field, e.g. /data/email_subject' }),
  message: Type.String(),
})
export type ProblemFieldError = Static<typeof ProblemFieldError>

/** RFC 9457 problem details, the body of every error response a kit service sends. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI identifying the problem type; about:blank if generic' }),
    title: Type.String({ description: 'Short summary of the HTTP status' }),
    status: Type.Integer(),
    detail: Type.String({ description: 'Human-readable explanation of this occurrence' }),
    instance: Type.String({ description: 'The request URL' }),
    code: Type.Optional(Type.String({ description: 'Stable machine-readable error code' })),
    errors: Type.Optional(Type.Array(ProblemFieldError)),
  },
  { additionalProperties: true },
)
export type Problem = Static<typeof Problem>

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** Options shared by the problem factories. */
export interface ProblemOptions {
  /** Stable machine-readable code; defaults to the status title in snake_case. */
  code?: string
  /** Problem type URI; defaults to about:blank. */
  type?: string
  errors?: ProblemFieldError[]
  /** Response headers to send with the problem (e.g. Retry-After). */
  headers?: Record<string, string>
  /** Extra members added to the problem body (RFC 9457 extension members). */
  extensions?: Record<string, unknown>
  cause?: unknown
}

/** Snake-case code for a status, e.g. 404 → not_found. */
export function statusCode(status: number): string {
  return (STATUS_CODES[status] ?? 'error')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
}

/**
 * An error a handler throws to answer with a problem+json response. Its detail is shown to the
 * client, so it must not carry internals; put those in `cause`, which is only logged.
 */
export class HttpProblem extends Error {
  readonly status: number
  readonly code: string
  readonly type: string
  readonly detail: string
  readonly errors: ProblemFieldError[] | undefined
  readonly headers: Record<string, string>
  readonly extensions: Record<string, unknown>

  constructor(status: number, detail: string, options: ProblemOptions = {}) {
    super(detail, { cause: options.cause })
    this.name = 'HttpProblem'
    this.status = status
    this.detail = detail
    this.code = options.code ?? statusCode(status)
    this.type = options.type ?? 'about:blank'
    this.errors = options.errors
    this.headers = options.headers ?? {}
    this.extensions = options.extensions ?? {}
  }
}

export function isHttpProblem(error: unknown): error is HttpProblem {
  return error instanceof HttpProblem
}

export function badRequest(detail: string, options?: ProblemOptions): HttpProblem {
  return new HttpProblem(400, detail, options)
}

/** 401; `wwwAuthenticate` (default `Bearer`) is sent as the WWW-Authenticate header RFC 9110 requires. */
export function unauthorized(
  detail: string,
  options: ProblemOptions & { wwwAuthenticate?: string } = {},
): HttpProblem {
  const { wwwAuthenticate = 'Bearer', ...rest } = options
  return new HttpProblem(401, detail, {
    ...rest,
    headers: { ...rest.headers, 'www-authenticate': wwwAuthenticate },
  })
}

export function forbidden(detail: string, options?: ProblemOptions): HttpProblem {
  return new HttpProblem(403, detail, options)
}

export function notFound(detail: string, options?: ProblemOptions): HttpProblem {
  return new HttpProblem(404, detail, options)
}

export function conflict(detail: string, options?: ProblemOptions): HttpProblem {
  return new HttpProblem(409, detail, options)
}

export function payloadTooLarge(detail: string, options?: ProblemOptions): HttpProblem {
  return new HttpProblem(413, detail, options)
}

/** 422 listing the failing fields, the same shape the kit uses for schema validation failures. */
export function unprocessable(
  detail: string,
  errors?: ProblemFieldError[],
  options?: ProblemOptions,
): HttpProblem {
  return new HttpProblem(422, detail, { code: 'validation_failed', ...options, errors })
}

/** 503; `retryAfterSeconds` is sent as the Retry-After header. */
export function serviceUnavailable(
  detail: string,
  options: ProblemOptions & { retryAfterSeconds?: number } = {},
): HttpProblem {
  const { retryAfterSeconds, ...rest } = options
  const headers = { ...rest.headers }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(retryAfterSeconds))
  return new HttpProblem(503, detail, { ...rest, headers })
}

/** The problem+json response documentation for one status, as a Fastify route `response` entry. */
function problemResponse(status: number) {
  return {
    description: STATUS_CODES[status] ?? 'Error',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } },
  }
}

/**
 * Route `response` entries documenting problem+json errors, e.g.
 * `response: { 200: Item, ...problemResponses(404, 422) }`.
 */
export function problemResponses<const S extends number>(
  ...statuses: S[]
): Record<S, ReturnType<typeof problemResponse>> {
  const entries = statuses.map((status) => [status, problemResponse(status)] as const)
  return Object.fromEntries(entries) as Record<S, ReturnType<typeof problemResponse>>
}
