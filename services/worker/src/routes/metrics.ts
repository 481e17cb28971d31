import type { ServiceApp } from '@ferry/kit'
import { PROMETHEUS_CONTENT_TYPE, type Registry } from '../metrics.ts'

export interface MetricsRoutesOptions {
  registry: Registry
}

/** GET /metrics: the worker's counters and gauges in the Prometheus text format. */
export async function metricsRoutes(app: ServiceApp, options: MetricsRoutesOptions) {
  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics',
      },
    },
    async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(options.registry.render()),
  )
}
