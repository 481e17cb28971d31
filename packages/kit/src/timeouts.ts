import type { IncomingHttpHeaders, ServerOptions } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { PROBLEM_CONTENT_TYPE } from './problem.ts'

/** How long a client may take to send a request; see createService. */
export interface RequestTimeouts {
  /** The whole request, headers and body, in ms (Node's requestTimeout; 408). Default 300 s. */
  requestTimeoutMs?: number
  /** The request line and headers, in ms (Node's headersTimeout; 408). Default 10 s. */
  headersTimeoutMs?: number
  /**
   * A body must arrive at `minBodyBytes` per window of this many ms until it is complete, or the
   * connection is answered 408 and closed. Default 10 s: a body trickled one byte every 5 s is
   * cut after 10 s, while a large upload at any useful speed is bounded only by requestTimeoutMs.
   */
  bodyTimeoutMs?: number
  /** Default 8 KiB (under 1 KB/s). */
  minBodyBytes?: number
}

export const TIMEOUT_DEFAULTS = {
  requestTimeoutMs: 300_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  minBodyBytes: 8 * 1024,
} as const satisfies Required<RequestTimeouts>

/** The node:http server options behind requestTimeoutMs and headersTimeoutMs. */
export function serverTimeoutOptions(timeouts: RequestTimeouts): {
  requestTimeout: number
  http: ServerOptions
} {
  const requestTimeout = timeouts.requestTimeoutMs ?? TIMEOUT_DEFAULTS.requestTimeoutMs
  const headersTimeout = Math.min(
    timeouts.headersTimeoutMs ?? TIMEOUT_DEFAULTS.headersTimeoutMs,
    requestTimeout,
  )
  // Node checks both timeouts every connectionsCheckingInterval (30 s by default): check every
  // second so a timeout means what it says.
  return {
    requestTimeout,
    http: { requestTimeout, headersTimeout, connectionsCheckingInterval: 1000 },
  }
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = Number(headers['content-length'] ?? 0)
  return length > 0 || headers['transfer-encoding'] !== undefined
}

function timeoutResponse(url: string): string {
  const body = JSON.stringify({
    type: 'about:blank',
    title: 'Request Timeout',
    status: 408,
    detail: 'The request body arrived too slowly; the connection is closed.',
    instance: url,
    code: 'request_timeout',
  })
  return [
    'HTTP/1.1 408 Request Timeout',
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n')
}

/**
 * Watches every request with a body: while it is incomplete, each `bodyTimeoutMs` window must
 * bring at least `minBodyBytes` more, or the client gets a 408 problem and the socket is closed.
 * Node's own timeouts only bound the whole request, which must stay long for large uploads.
 */
export function installBodyTimeout(app: FastifyInstance, timeouts: RequestTimeouts): void {
  const windowMs = timeouts.bodyTimeoutMs ?? TIMEOUT_DEFAULTS.bodyTimeoutMs
  const minBytes = timeouts.minBodyBytes ?? TIMEOUT_DEFAULTS.minBodyBytes
  if (windowMs <= 0) return
  app.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw
    const socket = raw.socket
    // app.inject's stand-in socket counts no bytes: nothing to watch there.
    if (typeof socket?.bytesRead !== 'number' || !hasBody(raw.headers) || raw.complete) {
      return done()
    }
    let last = socket.bytesRead
    const timer = setInterval(() => {
      if (raw.complete || socket.destroyed) return clearInterval(timer)
      const read = socket.bytesRead
      if (read - last >= minBytes) {
        last = read
        return
      }
      clearInterval(timer)
      request.log.warn({ window_ms: windowMs, min_bytes: minBytes }, 'request body too slow; 408')
      if (socket.writable) socket.end(timeoutResponse(request.url))
      setTimeout(() => socket.destroy(), 1000).unref()
    }, windowMs)
    timer.unref()
    raw.once('close', () => clearInterval(timer))
    done()
  })
}
