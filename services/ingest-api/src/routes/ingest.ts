import {
  type FailureLimiter,
  isHttpProblem,
  problemResponses,
  type RoutePlugin,
  type ServiceApp,
  unprocessable,
} from '@ferry/kit'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Ingestor } from '../ingest.ts'
import type { IngestMetrics } from '../metrics.ts'
import {
  Accepted,
  BatchRequest,
  BatchResponse,
  type BatchResult,
  EmailData,
  IngestRequest,
} from '../schemas.ts'

export interface IngestRoutesOptions {
  ingestor: Ingestor
  metrics: IngestMetrics
  /** Counts wrong tokens per client address; a client past its limit gets 429 for the window. */
  limiter: FailureLimiter
  maxBodyBytes: number
  maxBatchBodyBytes: number
}

const Headers = Type.Object({
  authorization: Type.Optional(
    Type.String({ description: 'Bearer <token>; wins over body.token' }),
  ),
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'Same key, same message_id: a retried request never creates a second object',
    }),
  ),
})

function fieldErrors(data: unknown) {
  return [...Value.Errors(EmailData, data)].map((e) => ({
    path: `/data${e.path}`,
    message: e.message,
  }))
}

const UNEXPECTED = 'An unexpected error occurred. Quote the x-request-id header when reporting it.'

/**
 * One item's failure as its result: the status it alone would have got, never a thrown 500.
 * Counts it as rejected under its problem code.
 */
function rejection(
  error: unknown,
  index: number,
  log: ServiceApp['log'],
  metrics: IngestMetrics,
): BatchResult {
  if (!isHttpProblem(error)) {
    log.error({ err: error, index }, 'batch item failed')
    metrics.rejected('internal_server_error')
    return { index, status: 'rejected', code: 500, detail: UNEXPECTED }
  }
  metrics.rejected(error.code)
  if (error.status >= 500) log.warn({ err: error.cause, index }, error.detail)
  const detail = error.errors?.length
    ? error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')
    : error.detail
  return { index, status: 'rejected', code: error.status, detail }
}

/** POST at the prefix (/ingest) takes one payload, POST /batch up to 500. */
export const ingestRoutes: RoutePlugin<IngestRoutesOptions> = async (app, options) => {
  const { ingestor, limiter, metrics } = options

  // Every refusal of these routes, whatever raised it (an onRequest check, the body parser, the
  // schema, a handler), counts under the code it was answered with; a 207 batch has no code.
  app.addHook('onResponse', (_request, reply, done) => {
    if (reply.problemCode !== null) metrics.rejected(reply.problemCode)
    done()
  })

  /** A wrong token (403) counts against the client's address; a refused client gets 429. */
  const authorize = async (
    ip: string,
    authorization: string | undefined,
    token: string | null | undefined,
  ) => {
    limiter.check(ip)
    try {
      await ingestor.authorize(authorization, token)
    } catch (error) {
      if (isHttpProblem(error) && error.status === 403) limiter.fail(ip)
      throw error
    }
  }

  /**
   * An Authorization header is checked before the body is read, so a client without the token
   * cannot make the service read (or wait for) its body; a refused one also closes the connection.
   * Without the header the token may be in the body, which the handler checks once it is read.
   */
  const headerFirst = async (
    ip: string,
    authorization: string | undefined,
    reply: { header(name: string, value: string): unknown },
  ) => {
    if (authorization === undefined) return
    try {
      await authorize(ip, authorization, undefined)
    } catch (error) {
      reply.header('connection', 'close')
      throw error
    }
  }
  const bodyToken = (
    ip: string,
    authorization: string | undefined,
    token: string | null | undefined,
  ) => (authorization === undefined ? authorize(ip, undefined, token) : Promise.resolve())

  app.post(
    '',
    {
      bodyLimit: options.maxBodyBytes,
      onRequest: (request, reply) => headerFirst(request.ip, request.headers.authorization, reply),
      schema: {
        summary: 'Accept one email payload onto the ingest queue',
        headers: Headers,
        body: IngestRequest,
        response: { 200: Accepted, ...problemResponses(400, 401, 403, 413, 415, 422, 429, 503) },
      },
    },
    async (request) => {
      const { headers, body } = request
      await bodyToken(request.ip, headers.authorization, body.token)
      const accepted = await ingestor.accept(body.data, headers['idempotency-key'])
      metrics.accepted.inc()
      return accepted
    },
  )

  app.post(
    '/batch',
    {
      bodyLimit: options.maxBatchBodyBytes,
      onRequest: (request, reply) => headerFirst(request.ip, request.headers.authorization, reply),
      schema: {
        summary: 'Accept up to 500 payloads; each is validated and published on its own',
        description: '200 when every item was accepted, 207 when some were rejected.',
        headers: Headers,
        body: BatchRequest,
        response: {
          200: BatchResponse,
          207: BatchResponse,
          ...problemResponses(400, 401, 403, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { headers, body } = request
      await bodyToken(request.ip, headers.authorization, body.token)
      const key = headers['idempotency-key']
      // Every item is checked before any is queued, and every outcome after that is answered per
      // item: a client must learn which items were queued, or its retry duplicates them.
      const checked = body.items.map((item, index) => {
        try {
          if (!Value.Check(EmailData, item.data)) {
            throw unprocessable('Request validation failed', fieldErrors(item.data))
          }
          return ingestor.prepare(item.data, key === undefined ? undefined : `${key}#${index}`)
        } catch (error) {
          return rejection(error, index, request.log, metrics)
        }
      })
      const results = await Promise.all(
        checked.map(async (item, index): Promise<BatchResult> => {
          if ('status' in item) return item
          try {
            const accepted = { index, ...(await ingestor.publish(item)) }
            metrics.accepted.inc()
            return accepted
          } catch (error) {
            return rejection(error, index, request.log, metrics)
          }
        }),
      )
      reply.code(results.every((r) => r.status === 'accepted') ? 200 : 207)
      return { results }
    },
  )
}
