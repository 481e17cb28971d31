import { isHttpProblem, problemResponses, type ServiceApp, unprocessable } from '@ferry/kit'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Ingestor } from '../ingest.ts'
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

export async function ingestRoutes(app: ServiceApp, options: IngestRoutesOptions): Promise<void> {
  const { ingestor } = options

  app.post(
    '/ingest',
    {
      bodyLimit: options.maxBodyBytes,
      schema: {
        summary: 'Accept one email payload onto the ingest queue',
        headers: Headers,
        body: IngestRequest,
        response: { 200: Accepted, ...problemResponses(400, 401, 403, 413, 415, 422, 503) },
      },
    },
    async (request) => {
      const { headers, body } = request
      await ingestor.authorize(headers.authorization, body.token)
      return ingestor.accept(body.data, headers['idempotency-key'])
    },
  )

  app.post(
    '/ingest/batch',
    {
      bodyLimit: options.maxBatchBodyBytes,
      schema: {
        summary: 'Accept up to 500 payloads; each is validated and published on its own',
        description: '200 when every item was accepted, 207 when some were rejected.',
        headers: Headers,
        body: BatchRequest,
        response: {
          200: BatchResponse,
          207: BatchResponse,
          ...problemResponses(400, 401, 403, 413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const { headers, body } = request
      await ingestor.authorize(headers.authorization, body.token)
      const key = headers['idempotency-key']
      const results = await Promise.all(
        body.items.map(async (item, index): Promise<BatchResult> => {
          try {
            if (!Value.Check(EmailData, item.data)) {
              throw unprocessable('Request validation failed', fieldErrors(item.data))
            }
            const accepted = await ingestor.accept(
              item.data,
              key === undefined ? undefined : `${key}#${index}`,
            )
            return { index, ...accepted }
          } catch (error) {
            if (!isHttpProblem(error)) throw error
            if (error.status >= 500) request.log.warn({ err: error.cause, index }, error.detail)
            const detail = error.errors?.length
              ? error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')
              : error.detail
            return { index, status: 'rejected', code: error.status, detail }
          }
        }),
      )
      reply.code(results.every((r) => r.status === 'accepted') ? 200 : 207)
      return { results }
    },
  )
}
