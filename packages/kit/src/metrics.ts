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
