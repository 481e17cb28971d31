import { STATUS_CODES } from 'node:http'
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify'
import { driverProblem, type ErrorTranslator } from './driver-errors.ts'
import {
  HttpProblem,
  isHttpProblem,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  type ProblemFieldError,
  statusCode,
} from './problem.ts'

const PART_NAMES: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'path parameters',
  headers: 'request headers',
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** Ajv errors → one entry per failing field, located at the field itself (not its parent). */
export function fieldErrors(validation: FastifySchemaValidationError[]): ProblemFieldError[] {
  const seen = new Set<string>()
  const out: ProblemFieldError[] = []
  for (const error of validation) {
    const params = error.params as Record<string, unknown>
    let path = error.instancePath
    let message = error.message ?? 'is invalid'
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      path = `${path}/${escapePointer(params.missingProperty)}`
      message = 'is required'
    } else if (
      error.keyword === 'additionalProperties' &&
      typeof params.additionalProperty === 'string'
    ) {
      path = `${path}/${escapePointer(params.additionalProperty)}`
      message = 'is not allowed'
    }
    const key = `${path}\n${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ path: path || '/', message })
  }
  return out
}

type FastifyCodeMapper = (error: FastifyError, request: FastifyRequest) => HttpProblem

const FASTIFY_ERRORS: Record<string, FastifyCodeMapper> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () =>
    new HttpProblem(400, 'The request body is not valid JSON.', { code: 'invalid_json' }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => emptyBody(),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_error, request) =>
    new HttpProblem(
      415,
      `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported here; send application/json.`,
      { code: 'unsupported_media_type' },
    ),
  FST_ERR_CTP_BODY_TOO_LARGE: (_error, request) =>
    new HttpProblem(
      413,
      `The request body exceeds the limit of ${request.routeOptions.bodyLimit} bytes.`,
      { code: 'payload_too_large' },
    ),
}

function emptyBody(): HttpProblem {
  return new HttpProblem(400, 'The request body is empty; a JSON document was expected.', {
    code: 'empty_body',
  })
}

function validationProblem(error: FastifyError, request: FastifyRequest): HttpProblem {
  const part = error.validationContext ?? 'body'
  if (part === 'body' && request.body === undefined) return emptyBody()
  const errors = fieldErrors(error.validation ?? [])
  const fields = errors.length === 1 ? '1 field' : `${errors.length} fields`
  return new HttpProblem(422, `The ${PART_NAMES[part] ?? part} is invalid (${fields}).`, {
    code: 'validation_failed',
    errors,
  })
}

/**
 * Classifies any thrown value as the problem to send: a driver's transient failure (after the
 * app's translators) is a 503 with Retry-After naming the dependency, so clients retry. Returns
 * undefined for unexpected errors, which are answered with a generic 500 and logged.
 */
export function toProblem(
  error: unknown,
  request: FastifyRequest,
  translators: readonly ErrorTranslator[] = [],
): HttpProblem | undefined {
  if (isHttpProblem(error)) return error
  const e = error as FastifyError
  if (e?.validation) return validationProblem(e, request)
  const mapper = e?.code ? FASTIFY_ERRORS[e.code] : undefined
  if (mapper) return mapper(e, request)
  const status = e?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpProblem(status, e.message || (STATUS_CODES[status] ?? 'Client error'))
  }
  return driverProblem(error, translators)
}

function problemBody(problem: HttpProblem, request: FastifyRequest): Problem {
  return {
    ...problem.extensions,
    type: problem.type,
    title: STATUS_CODES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    instance: request.url,
    code: problem.code,
    ...(problem.errors ? { errors: problem.errors } : {}),
  }
}

declare module 'fastify' {
  interface FastifyReply {
    /**
     * The `code` of the problem this reply answered with, null for any other answer: metrics
     * count refusals by it (a bounded set: every code is a constant in the code).
     */
    problemCode: string | null
  }
}

export function sendProblem(problem: HttpProblem, request: FastifyRequest, reply: FastifyReply) {
  reply.problemCode = problem.code
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(problem, request))
}

const INTERNAL = 'An unexpected error occurred. Quote the x-request-id header when reporting it.'

/** Renders any error as problem+json: the app's error handler, also used for routing errors. */
export function handleError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  translators: readonly ErrorTranslator[] = [],
) {
  const problem = toProblem(error, request, translators)
  if (problem) {
    if (problem.status >= 500) request.log.warn({ err: error }, problem.detail)
    return sendProblem(problem, request, reply)
  }
  request.log.error({ err: error }, 'request failed')
  const status = (error as FastifyError)?.statusCode
  const safeStatus = typeof status === 'number' && status >= 500 && status < 600 ? status : 500
  return sendProblem(
    new HttpProblem(safeStatus, INTERNAL, { code: statusCode(safeStatus) }),
    request,
    reply,
  )
}

/**
 * Every error and unknown route of `app` (and its children) is answered as problem+json; decorates
 * `app` with addErrorTranslator and each reply with the `problemCode` it was answered with.
 */
export function installErrorHandling(app: FastifyInstance): void {
  const translators: ErrorTranslator[] = []
  app.decorateReply('problemCode', null)
  app.decorate('addErrorTranslator', (translate: ErrorTranslator) => {
    translators.push(translate)
  })
  app.setErrorHandler((error, request, reply) => handleError(error, request, reply, translators))
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      new HttpProblem(404, `No route matches ${request.method} ${request.url}.`, {
        code: 'route_not_found',
      }),
      request,
      reply,
    ),
  )
}
