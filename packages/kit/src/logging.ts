import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import { context, isSpanContextValid, trace } from '@opentelemetry/api'
import { type LoggerOptions, symbols } from 'pino'

export const REDACTED = '[REDACTED]'

/** Keys whose values never reach the log, wherever they sit (up to four levels deep). Lower case. */
const SECRET_KEYS = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'access_token',
  'refresh_token',
  'password',
  'secret',
  'client_secret',
  'api_key',
])
const DEPTH = 4
/**
 * Keys of a log call's object that pino serializes itself into fields that carry no secret: the
 * kit's `req` serializer keeps method, URL (credentials redacted), host and remote address, and
 * `res` keeps the status code. Everything else a line carries is searched.
 */
const SERIALIZED = new Set(['req', 'res'])

/** Objects whose keys are searched: not bytes, whose keys are indices (a Buffer has one a byte). */
function searchable(value: unknown, depth: number): value is object {
  return typeof value === 'object' && value !== null && depth < DEPTH && !ArrayBuffer.isView(value)
}

function holdsSecret(value: unknown, depth: number): boolean {
  if (!searchable(value, depth)) return false
  for (const key of Object.keys(value)) {
    if (SECRET_KEYS.has(key.toLowerCase())) return true
    if (holdsSecret((value as Record<string, unknown>)[key], depth + 1)) return true
  }
  return false
}

function redactCopy(value: unknown, depth: number): unknown {
  if (!searchable(value, depth)) return value
  if (Array.isArray(value)) return value.map((item) => redactCopy(item, depth + 1))
  const copy: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : redactCopy(inner, depth + 1)
  }
  // An Error's message and stack are not enumerable; pino's err serializer reads them.
  if (value instanceof Error) {
    return Object.assign(Object.create(Object.getPrototypeOf(value)), value, copy, {
      message: value.message,
      stack: value.stack,
    })
  }
  return copy
}

/**
 * pino's `formatters.log`: the object of a log call with the value of every secret key (any
 * case, up to four levels deep) replaced by [REDACTED], in a copy; the caller's object is never
 * changed. One walk over the keys with a set lookup each, and none at all for a request's own
 * lines: pino's wildcard redaction paths cost a sixth of a request's CPU (issue 19).
 */
export function redactSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let found = false
  for (const key of Object.keys(object)) {
    if (SERIALIZED.has(key)) continue
    if (SECRET_KEYS.has(key.toLowerCase()) || holdsSecret(object[key], 1)) {
      found = true
      break
    }
  }
  if (!found) return object
  const copy: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) {
    if (SERIALIZED.has(key)) copy[key] = value
    else copy[key] = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : redactCopy(value, 1)
  }
  return copy
}

/**
 * Query parameters that carry credentials: bearer tokens some clients put in the URL, and the
 * signatures (and session tokens) of presigned URLs, S3's and the local store's. Lower case.
 */
const SECRET_QUERY_PARAMS = new Set([
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'client_secret',
  'password',
  'secret',
  'api_key',
  'apikey',
  'signature',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-credential',
  'x-ferry-signature',
  'x-goog-signature',
])

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' ')).toLowerCase()
  } catch {
    return name.toLowerCase()
  }
}

/**
 * `url` with the value of every credential-carrying query parameter replaced by [REDACTED];
 * everything else byte for byte (nothing is re-encoded, so a malformed URL stays readable).
 */
export function redactUrl(url: string): string {
  const at = url.indexOf('?')
  if (at === -1) return url
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const name = eq === -1 ? pair : pair.slice(0, eq)
      return eq !== -1 && SECRET_QUERY_PARAMS.has(decodeName(name)) ? `${name}=${REDACTED}` : pair
    })
  return `${url.slice(0, at + 1)}${query.join('&')}`
}

interface LoggedRequest {
  method: string
  url: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

/** Fastify's request serializer, with the URL's credentials redacted. */
function serializeRequest(request: LoggedRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

export interface LoggingOptions {
  /** Added to every line as `name`. */
  name?: string
  level?: string
  /** Exact pino redact paths (no wildcards: each costs every line), beside the secret keys. */
  redact?: string[]
  stream?: NodeJS.WritableStream
  /** Adds `trace_id` and `span_id` of the active span to every line (see traceMixin). */
  traceIds?: boolean
}

/**
 * The active span's `trace_id` and `span_id` for a log line, unless the logger's bindings already
 * carry them (a request's logger, bound by the HTTP tracing hooks), so no line has them twice.
 */
export const traceMixin: NonNullable<LoggerOptions['mixin']> = (_merge, _level, logger) => {
  const spanContext = trace.getSpan(context.active())?.spanContext()
  if (!spanContext || !isSpanContextValid(spanContext)) return {}
  const bindings = (logger as unknown as Record<symbol, string | undefined>)[symbols.chindingsSym]
  if (bindings?.includes('"trace_id"')) return {}
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId }
}

/**
 * pino options for Fastify's `logger`: JSON lines, or pino-pretty when stdout is a terminal and
 * no stream was given. `isTTY` is a parameter so the choice is testable.
 */
export function loggerOptions(
  options: LoggingOptions,
  isTTY = Boolean(process.stdout.isTTY),
): LoggerOptions & { stream?: NodeJS.WritableStream } {
  const base: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    ...(options.redact?.length ? { redact: { paths: options.redact, censor: REDACTED } } : {}),
    formatters: { log: redactSecrets },
    serializers: { req: serializeRequest },
    ...(options.traceIds ? { mixin: traceMixin } : {}),
  }
  if (options.stream) return { ...base, stream: options.stream }
  if (!isTTY) return base
  // Absolute path: pino resolves transport targets relative to its caller, which is Fastify.
  const target = createRequire(import.meta.url).resolve('pino-pretty')
  return { ...base, transport: { target, options: { translateTime: 'SYS:HH:MM:ss.l' } } }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Honours a well-formed incoming x-request-id; anything else gets a fresh UUID. */
export function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id']
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
}
