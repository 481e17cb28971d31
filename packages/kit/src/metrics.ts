import type { FastifyInstance } from 'fastify'
import {
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type LabelValues,
  Registry,
} from 'prom-client'
import type { RoutePlugin } from './service.ts'

export type { Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * A registry of one app's metrics. Never prom-client's global registry: tests build several apps
 * in one process, and each must own its metric names.
 */
export function createRegistry(): Registry {
  return new Registry()
}

/** A counter on `registry` only. Bind labels once (`counter.labels(…)`) on hot paths. */
export function createCounter<L extends string = string>(
  registry: Registry,
  config: Omit<CounterConfiguration<L>, 'registers'>,
): Counter<L> {
  return new Counter({ ...config, registers: [registry] })
}

/** A gauge on `registry` only; `collect` sets it at scrape time. */
export function createGauge<L extends string = string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<L>, 'registers'>,
): Gauge<L> {
  return new Gauge({ ...config, registers: [registry] })
}

/** A histogram on `registry` only. */
export function createHistogram<L extends string = string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<L>, 'registers'>,
): Histogram<L> {
  return new Histogram({ ...config, registers: [registry] })
}

/** The sample of a counter or gauge with exactly `labels` (none by default); 0 before any. */
export async function metricValue<L extends string>(
  metric: Counter<L> | Gauge<L>,
  labels: LabelValues<L> = {},
): Promise<number> {
  const wanted = Object.entries(labels)
  const { values } = await metric.get()
  const sample = values.find(
    (v) =>
      Object.keys(v.labels).length === wanted.length &&
      wanted.every(([name, value]) => String(v.labels[name as L]) === String(value)),
  )
  return sample?.value ?? 0
}

export interface MetricsRoutesOptions {
  registry: Registry
}

/** GET at the prefix (/metrics): `registry` in the Prometheus text format. */
export const metricsRoutes: RoutePlugin<MetricsRoutesOptions> = async (app, { registry }) => {
  app.get(
    '',
    { logLevel: 'warn', schema: { tags: ['ops'], summary: 'Prometheus metrics' } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  )
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics, served at /metrics; services add their own to it. */
    readonly metrics: Registry
  }
}

/** Upper bounds, in seconds, of the request duration histogram's buckets. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * Gives `app` a registry (`app.metrics`) served at /metrics, with every answered request counted
 * and timed by method, route template (never the raw path: `unmatched` for no route) and status.
 */
export function installMetrics(app: FastifyInstance): void {
  const registry = createRegistry()
  const labelNames = ['method', 'route', 'status'] as const
  const requests = createCounter(registry, {
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames,
  })
  const duration = createHistogram(registry, {
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its answer, by method, route and status.',
    labelNames,
    buckets: DURATION_BUCKETS,
  })
  app.decorate('metrics', registry)
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
    }
    requests.inc(labels)
    duration.observe(labels, reply.elapsedTime / 1000)
    done()
  })
  app.register(metricsRoutes, { prefix: '/metrics', registry })
}
