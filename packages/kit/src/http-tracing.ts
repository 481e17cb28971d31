import type { IncomingMessage } from 'node:http'
import {
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  FastifyServerOptions,
  RawRequestDefaultExpression,
} from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js'
import { contextFrom, type Tracing } from './tracing.ts'

interface RequestSpan {
  span: Span
  context: Context
  error?: Error
}

/** What createService wires for tracing: the logger factory (Fastify option) and the hooks. */
export interface HttpTracing {
  /**
   * Fastify's `childLoggerFactory`. Fastify calls it once per request, before it logs the
   * request's first line, so the span starts here and every line of the request, Fastify's
   * own included, is bound to `trace_id` and `span_id`.
   */
  childLoggerFactory: FastifyServerOptions['childLoggerFactory']
  /** Adds the hooks that make the span active, and end and name it. */
  install(app: FastifyInstance): void
}

/**
 * A server span per request: a child of the request's `traceparent` header when it has a valid
 * one, else a new trace. It is named `METHOD /route/template` (`METHOD` alone when no route
 * matched), active while the hooks and the handler run, and ends when the answer is sent (or
 * the client gives up); 5xx answers set its status to ERROR with the error that caused them.
 */
export function createHttpTracing(tracing: Tracing): HttpTracing {
  const spans = new WeakMap<IncomingMessage, RequestSpan>()
  const entryOf = (request: FastifyRequest) => spans.get(request.raw)

  function finish(request: FastifyRequest, end: (span: Span) => void): void {
    const entry = entryOf(request)
    if (!entry) return
    spans.delete(request.raw)
    const route = request.routeOptions.url
    if (route !== undefined) {
      entry.span.updateName(`${request.method} ${route}`)
      entry.span.setAttribute('http.route', route)
    }
    end(entry.span)
    entry.span.end()
  }

  function childLoggerFactory(
    this: FastifyInstance,
    logger: FastifyBaseLogger,
    bindings: Bindings,
    options: ChildLoggerOptions,
    raw: RawRequestDefaultExpression,
  ): FastifyBaseLogger {
    const parent = contextFrom(raw.headers, ROOT_CONTEXT)
    const method = raw.method ?? 'GET'
    const span = tracing.tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } },
      parent,
    )
    spans.set(raw, { span, context: trace.setSpan(parent, span) })
    const { traceId, spanId } = span.spanContext()
    return logger.child({ ...bindings, trace_id: traceId, span_id: spanId }, options)
  }

  function install(app: FastifyInstance): void {
    app.addHook('onRequest', (request, _reply, done) => {
      const entry = entryOf(request)
      if (!entry) return done()
      entry.span.setAttribute('ferry.request_id', request.id)
      context.with(entry.context, done)
    })

    // The body arrives on socket events, outside the context onRequest entered: enter it again.
    app.addHook('preHandler', (request, _reply, done) => {
      const entry = entryOf(request)
      if (entry) context.with(entry.context, done)
      else done()
    })

    app.addHook('onError', (request, _reply, error, done) => {
      const entry = entryOf(request)
      if (entry) entry.error = error
      done()
    })

    app.addHook('onResponse', (request, reply, done) => {
      const error = entryOf(request)?.error
      finish(request, (span) => {
        span.setAttribute('http.response.status_code', reply.statusCode)
        if (reply.statusCode < 500) return
        if (error) span.recordException(error)
        span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message })
      })
      done()
    })

    app.addHook('onRequestAbort', (request, done) => {
      finish(request, (span) => span.setAttribute('ferry.client_aborted', true))
      done()
    })
  }

  return { childLoggerFactory, install }
}
