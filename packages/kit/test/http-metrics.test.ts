import { Type } from '@sinclair/typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { createService, type ServiceApp } from '../src/index.ts'

let app: ServiceApp | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

async function serviceWithRoute(): Promise<ServiceApp> {
  app = createService({ name: 'svc', version: '1.0.0', logLevel: 'silent' })
  app.get(
    '/items/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 3 }) }) } },
    async (request) => ({ id: request.params.id }),
  )
  await app.ready()
  return app
}

const sample = (text: string, labels: string) =>
  text.split('\n').find((line) => line.startsWith(`http_requests_total{${labels}}`))

describe('request metrics on every service', () => {
  it('counts answered requests by method, route template and status at /metrics', async () => {
    const service = await serviceWithRoute()
    await service.inject('/items/a')
    await service.inject('/items/b')
    await service.inject('/items/toolong')
    await service.inject('/nowhere/42')
    const reply = await service.inject('/metrics')
    expect(reply.statusCode).toBe(200)
    expect(reply.headers['content-type']).toContain('text/plain; version=0.0.4')
    const text = reply.body
    expect(sample(text, 'method="GET",route="/items/:id",status="200"')).toMatch(/ 2$/)
    expect(sample(text, 'method="GET",route="/items/:id",status="422"')).toMatch(/ 1$/)
    expect(sample(text, 'method="GET",route="unmatched",status="404"')).toMatch(/ 1$/)
    // Raw paths never become labels, so a scan of ids cannot grow the series without bound.
    expect(text).not.toContain('/items/a')
    expect(text).not.toContain('/nowhere/42')
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/items/:id",status="200"} 2',
    )
  })

  it('gives each app its own registry for the service to add to', async () => {
    const one = await serviceWithRoute()
    const other = createService({ name: 'other', version: '1.0.0', logLevel: 'silent' })
    await other.ready()
    await one.inject('/items/a')
    expect(await other.metrics.metrics()).not.toContain('route="/items/:id"')
    await other.close()
  })
})
