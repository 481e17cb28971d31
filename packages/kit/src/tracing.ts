import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { type Static, type TObject, Type } from '@sinclair/typebox'
import { lazyOtlpExporter } from './otlp-exporter.ts'

export { SpanKind } from '@opentelemetry/api'

/**
 * The standard OpenTelemetry variables ferry reads; spread them into a service's config schema.
 * With no endpoint, ids are still made and propagated (logs and object metadata carry them) and
 * nothing is exported.
 */
export const TracingEnv = {
  OTEL_SDK_DISABLED: Type.Boolean({
    default: false,
    description: 'true: no spans, no trace ids in logs, no traceparent propagated',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://\\S+$',
      description: 'OTLP/HTTP base URL (spans go to <url>/v1/traces); unset: nothing is exported',
    }),
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://\\S+$',
      description: 'Full OTLP/HTTP traces URL; overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces',
    }),
  ),
  OTEL_SERVICE_NAME: Type.Optional(
    Type.String({ minLength: 1, description: "service.name of the spans; default: the service's" }),
  ),
}
export type TracingEnv = Static<TObject<typeof TracingEnv>>

export interface SpanOptions {
  kind?: SpanKind
  attributes?: Attributes
  /**
   * Where the parent comes from: a carrier of W3C headers (a message's attributes, an HTTP
   * request's headers). No carrier, or one without a valid `traceparent`: the active context.
   */
  carrier?: Record<string, string | string[] | undefined>
}

/** One service's tracer: from startTracing, or disabledTracing when tracing is off. */
export interface Tracing {
  /** False when OTEL_SDK_DISABLED=true: nothing is traced, logged or propagated. */
  readonly enabled: boolean
  readonly tracer: Tracer
  /**
   * Runs `fn` in a new active span named `name` (a child of the carrier's context, see
   * SpanOptions), ends it when `fn` settles and returns what `fn` returned. A rejection is
   * recorded on the span (status ERROR) and rethrown.
   */
  inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T>
  /** Exports the spans still buffered and stops; later spans are dropped. Never rejects. */
  shutdown(): Promise<void>
}

export interface StartTracingOptions {
  /** service.name, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string
  version?: string
  env: TracingEnv
  /** Receives every span as it ends (tests: InMemorySpanExporter), instead of OTLP. */
  exporter?: SpanExporter
}

const propagator = new W3CTraceContextPropagator()
let contextManager: AsyncLocalStorageContextManager | undefined

/**
 * The process's one context manager (AsyncLocalStorage), installed on first use: the active
 * span follows async calls, which the log mixin and traceAttributes read.
 */
function installContextManager(): void {
  if (contextManager) return
  contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
}

/** The context a carrier of W3C trace headers names, on top of `base`. */
export function contextFrom(
  carrier: Record<string, string | string[] | undefined>,
  base: Context = context.active(),
): Context {
  return propagator.extract(base, carrier, defaultTextMapGetter)
}

/**
 * The active span's context as W3C trace headers (`traceparent`, and `tracestate` when set),
 * to put into a message's attributes or a request's headers; empty without an active span.
 */
export function traceAttributes(): Record<string, string> {
  const carrier: Record<string, string> = {}
  propagator.inject(context.active(), carrier, defaultTextMapSetter)
  return carrier
}

/** The active span's trace id, or undefined without one. */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpan(context.active())?.spanContext()
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined
}

function runInSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.carrier ? contextFrom(options.carrier) : context.active()
  const span = tracer.startSpan(
    name,
    { kind: options.kind, attributes: options.attributes },
    parent,
  )
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span)
    } catch (error) {
      span.recordException(error as Error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message })
      throw error
    } finally {
      span.end()
    }
  })
}

/** Tracing that is off: inSpan just runs `fn`, spans are no-ops. */
export function disabledTracing(): Tracing {
  const span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT)
  return {
    enabled: false,
    tracer: trace.getTracerProvider().getTracer('disabled'),
    inSpan: (_name, _options, fn) => fn(span),
    shutdown: async () => undefined,
  }
}

function spanProcessors(options: StartTracingOptions): SpanProcessor[] {
  if (options.exporter) return [new SimpleSpanProcessor({ exporter: options.exporter })]
  const { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url } = options.env
  if (url) return [new BatchSpanProcessor({ exporter: lazyOtlpExporter(url) })]
  if (!base) return []
  // As the specification says: the signal's path is appended to the base URL's own path.
  const traces = new URL('v1/traces', base.endsWith('/') ? base : `${base}/`).href
  return [new BatchSpanProcessor({ exporter: lazyOtlpExporter(traces) })]
}

/**
 * Starts one service's tracing (main.ts calls it once; pass the result to buildApp, which hands
 * it to createService). No sampler and no global tracer provider: every span is sampled unless
 * an incoming traceparent says otherwise, and each app owns its provider, so several apps in
 * one process (tests) keep their service names. Spans are exported over OTLP/HTTP (protobuf) in
 * batches when an endpoint is set; the app's close runs `shutdown`, which exports what is left.
 */
export function startTracing(options: StartTracingOptions): Tracing {
  if (options.env.OTEL_SDK_DISABLED) return disabledTracing()
  installContextManager()
  const serviceName = options.env.OTEL_SERVICE_NAME ?? options.serviceName
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': serviceName,
      ...(options.version ? { 'service.version': options.version } : {}),
    }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: spanProcessors(options),
  })
  const tracer = provider.getTracer('@ferry/kit', options.version)
  return {
    enabled: true,
    tracer,
    inSpan: (name, spanOptions, fn) => runInSpan(tracer, name, spanOptions, fn),
    shutdown: () => provider.shutdown().catch(() => undefined),
  }
}
