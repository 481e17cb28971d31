import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import type { LoggerOptions } from 'pino'

export const REDACTED = '[REDACTED]'

/** Keys whose values never reach the log, wherever they sit (up to four levels deep). */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  '["set-cookie"]',
  'token',
  'access_token',
  'refresh_token',
  'password',
  'secret',
  'client_secret',
  'api_key',
]
const DEPTH = 4

/** pino redact paths: each secret key at the top level and under 1..DEPTH-1 wildcard levels. */
export function redactPaths(extra: string[] = []): string[] {
  const paths: string[] = []
  for (const key of SECRET_KEYS) {
    for (let depth = 0; depth < DEPTH; depth++) {
      const prefix = '*.'.repeat(depth)
      paths.push(key.startsWith('[') ? `${prefix.slice(0, -1)}${key}` : `${prefix}${key}`)
    }
  }
  return [...paths, ...extra]
}

export interface LoggingOptions {
  /** Added to every line as `name`. */
  name?: string
  level?: string
  redact?: string[]
  stream?: NodeJS.WritableStream
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
    redact: { paths: redactPaths(options.redact), censor: REDACTED },
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
