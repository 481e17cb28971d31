import { maxHeaderSize } from 'node:http'
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginOptions,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify'
import { clientErrorHandler, frameworkErrorHandler } from './client-errors.ts'
import { handleError, installErrorHandling } from './error-handler.ts'
import { type HealthOptions, installHealth } from './health.ts'
import { createHttpTracing } from './http-tracing.ts'
import { installLifecycle } from './lifecycle.ts'
import { loggerOptions, requestId } from './logging.ts'
import { installMetrics } from './metrics.ts'
import { installOpenApi, type OpenApiOptions } from './openapi.ts'
import { installBodyTimeout, type RequestTimeouts, serverTimeoutOptions } from './timeouts.ts'
import type { Tracing } from './tracing.ts'
import { AJV_OPTIONS, buildValidator } from './validation.ts'

/** The Fastify instance every ferry service is built on, typed with the TypeBox provider. */
export type ServiceApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/**
 * A service's route plugin: it gets a ServiceApp, so `request.body`, `params` and `query` are
 * typed from each route's schemas. app.ts registers it with its `prefix`, and its routes are
 * relative to that.
 */
export type RoutePlugin<Options extends FastifyPluginOptions = Record<never, never>> =
  FastifyPluginAsyncTypebox<Options>

/**
 * What every service's `buildApp(deps)` returns: the app, plus the handles its tests and benches
 * read (the worker's metrics, the clearinghouse's processor…) beside it.
 */
export interface BuiltService {
  app: ServiceApp
}

export interface ServiceOptions {
  /** Service name: the OpenAPI title and the `name` field of every log line. */
  name: string
  version: string
  /** pino level, default 'info'. */
  logLevel?: string
  /** Extra pino redact paths on top of the kit's (authorization, cookie, token, password…). */
  redact?: string[]
  /** Default body limit in bytes, default 1 MiB; routes may set their own. */
  bodyLimit?: number
  health?: HealthOptions
  logger?: { stream?: NodeJS.WritableStream }
  openapi?: OpenApiOptions
  /**
   * Proxies in front of the service that append X-Forwarded-For, default 0: `request.ip` is then
   * the address the nearest of them saw (behind one load balancer: 1).
   */
  trustProxy?: number
  /** How long runService waits for close before it exits with 1, default 10 s. */
  shutdownTimeoutMs?: number
  /** How long clients may take to send a request (headers, body); defaults in TIMEOUT_DEFAULTS. */
  timeouts?: RequestTimeouts
  /**
   * The service's tracing (startTracing in main.ts): a server span per request and trace ids in
   * every log line; its shutdown (exporting what is buffered) runs after every other closer.
   * None, or disabled: no spans and no ids.
   */
  tracing?: Tracing
}

const shutdownTimeouts = new WeakMap<FastifyInstance, number>()

/** The shutdown budget createService was given for `app`. */
export function shutdownTimeoutOf(app: FastifyInstance): number {
  return shutdownTimeouts.get(app) ?? 10_000
}

/**
 * proxy-addr's own reading of a hop count (Fastify's types omit the number form); false for 0, so
 * X-Forwarded-* headers are ignored entirely without a proxy.
 */
function trustHops(hops: number): false | ((address: string, hop: number) => boolean) {
  return hops > 0 ? (_address, hop) => hop < hops : false
}

/**
 * One log line a request, written where Fastify writes its "request completed" (so it precedes
 * shutdown's closers): the request (method, URL with credentials redacted, host, remote
 * address), the status and the time taken. Fastify's "incoming request" line is kept at debug:
 * at an ingest API's rate, that second line costs a tenth of a request's CPU (issue 19).
 */
class OneLineLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const entry = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (error) reply.log.error({ ...entry, err: error }, 'request errored')
    else reply.log.info(entry, 'request completed')
  }
}

/**
 * Builds the service's Fastify app with the kit's wiring in place: validation, problem+json
 * errors, logging with request ids and redaction, /health, /ready, OpenAPI at /openapi.json and
 * /docs, loops and closers. Register the service's routes on the returned app; nothing listens
 * until runService (or tests use app.inject).
 */
export function createService(options: ServiceOptions): ServiceApp {
  const tracing = options.tracing?.enabled ? options.tracing : undefined
  const httpTracing = tracing && createHttpTracing(tracing)
  const app = Fastify({
    logger: loggerOptions({
      name: options.name,
      level: options.logLevel,
      redact: options.redact,
      stream: options.logger?.stream,
      traceIds: tracing !== undefined,
    }),
    genReqId: requestId,
    logController: new OneLineLogController(),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    ajv: AJV_OPTIONS,
    schemaController: { compilersFactory: { buildValidator: buildValidator() } },
    return503OnClosing: true,
    ...serverTimeoutOptions(options.timeouts ?? {}),
    trustProxy: trustHops(options.trustProxy ?? 0),
    // Errors raised before a route is found are problem+json too (issue 16, item 12).
    frameworkErrors: frameworkErrorHandler(handleError),
    clientErrorHandler: clientErrorHandler(maxHeaderSize),
    ...(httpTracing ? { childLoggerFactory: httpTracing.childLoggerFactory } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>()
  // First, so the span is active in every other hook.
  httpTracing?.install(app)

  // JSON services: a text/plain body is answered 415 rather than validated as a string.
  app.removeContentTypeParser('text/plain')
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    // Browsers must take every answer for its declared type (issue 16, item 17).
    reply.header('x-content-type-options', 'nosniff')
  })
  installBodyTimeout(app, options.timeouts ?? {})
  installErrorHandling(app)
  const lifecycle = installLifecycle(app)
  // Registered first, so it runs last: the spans of the drain and the closers are exported too.
  if (tracing) app.addCloser('tracing', () => tracing.shutdown())
  installOpenApi(app, options, options.openapi)
  installHealth(app, options.health ?? {}, lifecycle)
  installMetrics(app)
  shutdownTimeouts.set(app, options.shutdownTimeoutMs ?? 10_000)
  return app
}
