import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HttpProblem, PROBLEM_CONTENT_TYPE, type Problem } from './problem.ts'

/** Node's HTTP parser errors carry the llhttp code and a reason such as "Invalid header value". */
interface ParserError extends Error {
  code?: string
  reason?: string
}

/**
 * The problem for an error Node's HTTP parser raised before Fastify saw a request: an oversized
 * request line or headers (Node counts the URL in its maxHeaderSize), a request timeout, or a
 * message that is not valid HTTP/1.1 (e.g. both Content-Length and Transfer-Encoding).
 */
export function clientErrorProblem(error: ParserError, maxHeaderSize: number): HttpProblem {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new HttpProblem(
      431,
      `The request line and headers exceed the limit of ${maxHeaderSize} bytes (a URL counts towards it).`,
      { code: 'headers_too_large' },
    )
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new HttpProblem(408, 'The request was not received in time.', {
      code: 'request_timeout',
    })
  }
  const reason = typeof error.reason === 'string' ? `: ${error.reason}` : ''
  return new HttpProblem(400, `The request is not valid HTTP/1.1${reason}.`, {
    code: 'malformed_request',
  })
}

function rawResponse(problem: HttpProblem, requestId: string): string {
  const title = STATUS_CODES[problem.status] ?? 'Error'
  const body: Problem = {
    type: problem.type,
    title,
    status: problem.status,
    detail: problem.detail,
    instance: 'about:blank',
    code: problem.code,
  }
  const text = JSON.stringify(body)
  return [
    `HTTP/1.1 ${problem.status} ${title}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(text)}`,
    `X-Request-Id: ${requestId}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    text,
  ].join('\r\n')
}

/**
 * Fastify's `clientErrorHandler`: answers parser errors as problem+json instead of Fastify's own
 * JSON, then closes the socket (its stream can no longer be trusted). The raw bytes are not
 * logged: they may hold credentials.
 */
export function clientErrorHandler(maxHeaderSize: number) {
  return function onClientError(this: FastifyInstance, error: ParserError, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const problem = clientErrorProblem(error, maxHeaderSize)
    const requestId = randomUUID()
    this.log.info(
      { reqId: requestId, code: error.code, status: problem.status },
      'client error before routing',
    )
    if (socket.writable) socket.write(rawResponse(problem, requestId))
    socket.destroySoon()
  }
}

/**
 * Fastify's `frameworkErrors`: errors raised while routing (a path that does not decode, such as
 * `/users/%ZZ`, or a parameter over maxParamLength) go through the same problem+json rendering
 * as every other error.
 */
export function frameworkErrorHandler(
  render: (error: unknown, request: FastifyRequest, reply: FastifyReply) => unknown,
) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    // No onRequest hook runs for these requests: echo the request id here.
    reply.header('x-request-id', request.id)
    reply.header('x-content-type-options', 'nosniff')
    if (error.code === 'FST_ERR_BAD_URL') {
      void render(
        new HttpProblem(400, 'The URL is not valid: a percent-encoded segment does not decode.', {
          code: 'invalid_url',
        }),
        request,
        reply,
      )
      return
    }
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      void render(
        new HttpProblem(414, 'A path segment of the URL is too long.', { code: 'uri_too_long' }),
        request,
        reply,
      )
      return
    }
    void render(error, request, reply)
  }
}
