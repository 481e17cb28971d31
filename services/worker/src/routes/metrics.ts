import type { RoutePlugin } from '@ferry/kit'
import { PROMETHEUS_CONTENT_TYPE, type Registry } from '../metrics.ts'

export interface MetricsRoutesOptions {
  registry: Registry
}

/** GET at the prefix (/metrics): the worker's counters and gauges in the Prometheus text format. */
export const metricsRoutes: RoutePlugin<MetricsRoutesOptions> = async (app, options) => {
  app.get(
    '',
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
