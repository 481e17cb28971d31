import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createCounter,
  createGauge,
  createHistogram,
  createRegistry,
  metricsRoutes,
  metricValue,
  type Registry,
  type ServiceApp,
} from '../src/index.ts'

const apps: ServiceApp[] = []

/** metricsRoutes alone on a bare Fastify (a service's own /metrics also carries request metrics). */
function serve(registry: Registry): ServiceApp {
  const app: ServiceApp = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  app.register(metricsRoutes, { prefix: '/metrics', registry })
  apps.push(app)
  return app
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

describe('GET /metrics', () => {
  it("answers the registry's metrics in the Prometheus text format", async () => {
    const registry = createRegistry()
    const jobs = createCounter(registry, { name: 'jobs_total', help: 'Jobs done.' })
    const depth = createGauge(registry, { name: 'queue_depth', help: 'Jobs waiting.' })
    jobs.inc()
    jobs.inc(2)
    depth.set(1.5)
    const res = await serve(registry).inject('/metrics')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.body).toBe(
      '# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 3\n\n' +
        '# HELP queue_depth Jobs waiting.\n# TYPE queue_depth gauge\nqueue_depth 1.5\n',
    )
  })

  it('renders labelled samples and histogram buckets', async () => {
    const registry = createRegistry()
    const outcomes = createCounter(registry, {
      name: 'outcomes_total',
      help: 'Outcomes.',
      labelNames: ['outcome'],
    })
    const seconds = createHistogram(registry, {
      name: 'work_seconds',
      help: 'Work time.',
      buckets: [0.1, 1],
    })
    outcomes.labels('written').inc()
    seconds.observe(0.5)
    const { body } = await serve(registry).inject('/metrics')
    expect(body).toContain('\noutcomes_total{outcome="written"} 1\n')
    expect(body).toContain('\nwork_seconds_bucket{le="0.1"} 0\n')
    expect(body).toContain('\nwork_seconds_bucket{le="1"} 1\n')
    expect(body).toContain('\nwork_seconds_count 1\n')
  })

  it('serves only its own registry, so two apps in one process may use the same names', async () => {
    const first = createRegistry()
    const second = createRegistry()
    createCounter(first, { name: 'jobs_total', help: 'Jobs done.' }).inc(4)
    createCounter(second, { name: 'jobs_total', help: 'Jobs done.' })
    expect((await serve(first).inject('/metrics')).body).toMatch(/^jobs_total 4$/m)
    expect((await serve(second).inject('/metrics')).body).toMatch(/^jobs_total 0$/m)
  })
})

describe('metricValue', () => {
  it('reads the sample with exactly the given labels, 0 before any', async () => {
    const registry = createRegistry()
    const plain = createGauge(registry, { name: 'g', help: 'g' })
    const labelled = createCounter(registry, { name: 'c_total', help: 'c', labelNames: ['k'] })
    plain.set(2)
    labelled.labels('a').inc(3)
    expect(await metricValue(plain)).toBe(2)
    expect(await metricValue(labelled, { k: 'a' })).toBe(3)
    expect(await metricValue(labelled, { k: 'b' })).toBe(0)
  })
})
