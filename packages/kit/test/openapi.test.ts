import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { createService, problemResponses, type ServiceApp } from '../src/index.ts'
import { captureLogs } from '../src/testing.ts'

let app: ServiceApp

const Item = Type.Object({ id: Type.String(), qty: Type.Integer() })

const routes: FastifyPluginAsyncTypebox = async (scope) => {
  scope.post(
    '/items',
    {
      schema: {
        tags: ['items'],
        body: Item,
        response: { 201: Item, ...problemResponses(409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(request.body),
  )
}

function build(): ServiceApp {
  app = createService({
    name: 'catalog',
    version: '2.3.4',
    logLevel: 'silent',
    openapi: {
      description: 'Items',
      tags: [{ name: 'items' }],
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      security: [{ bearer: [] }],
    },
  })
  void app.register(routes, { prefix: '/v1' })
  return app
}

afterEach(() => app?.close())

async function openapi() {
  const res = await build().inject({ url: '/openapi.json' })
  expect(res.statusCode).toBe(200)
  return res.json()
}

describe('OpenAPI', () => {
  it('titles the document with the service name and version', async () => {
    const doc = await openapi()
    expect(doc.openapi).toMatch(/^3\./)
    expect(doc.info).toEqual({ title: 'catalog', version: '2.3.4', description: 'Items' })
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } })
    expect(doc.security).toEqual([{ bearer: [] }])
  })

  it('documents routes the service registers after createService', async () => {
    const op = (await openapi()).paths['/v1/items'].post
    expect(op.tags).toEqual(['items'])
    expect(op.requestBody.content['application/json'].schema.required).toEqual(['id', 'qty'])
    expect(op.responses['201'].content['application/json'].schema.properties.qty.type).toBe(
      'integer',
    )
  })

  it('documents problem responses as application/problem+json', async () => {
    const op = (await openapi()).paths['/v1/items'].post
    const conflict = op.responses['409']
    expect(conflict.description).toBe('Conflict')
    const schema = conflict.content['application/problem+json'].schema
    expect(schema.required).toEqual(['type', 'title', 'status', 'detail', 'instance'])
  })

  it('documents the readiness route', async () => {
    expect((await openapi()).paths['/ready'].get.responses).toHaveProperty('503')
  })

  it('serves a browsable page at /docs', async () => {
    const res = await build().inject({ url: '/docs/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.body).toMatch(/swagger-ui/i)
  })
})

describe('routes added directly on the root', () => {
  it('are reported as undocumented with a warning', async () => {
    const logs = captureLogs()
    app = createService({ name: 'x', version: '1', logger: { stream: logs.stream } })
    app.get('/direct', () => 'ok')
    await app.ready()
    expect(logs.lines().find((l) => l.url === '/direct')).toMatchObject({ level: 40 })
    expect(app.swagger().paths).not.toHaveProperty('/direct')
  })
})
