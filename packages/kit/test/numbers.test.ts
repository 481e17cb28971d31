import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type ServiceApp } from '../src/index.ts'

let app: ServiceApp
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

beforeAll(async () => {
  app = createService({ name: 'test', version: '1', logLevel: 'silent' })
  app.get(
    '/list',
    {
      schema: {
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
      },
    },
    ({ query }) => ({ limit: query.limit }),
  )
  app.get('/things/:id', { schema: { params: IdParams } }, ({ params }) => ({ id: params.id }))
  app.post(
    '/docs',
    { schema: { body: Type.Object({ key: Type.String(), content: Type.Unknown() }) } },
    ({ body }) => body,
  )
  await app.ready()
})
afterAll(() => app?.close())

const json = { 'content-type': 'application/json' }

describe('numbers out of range', () => {
  for (const value of ['Infinity', '1e309', '-Infinity']) {
    it(`answers limit=${value} with 422 naming the field (Ajv would pass it)`, async () => {
      const res = await app.inject({ method: 'GET', url: `/list?limit=${value}` })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors).toContainEqual({
        path: '/limit',
        message: 'must be a finite number',
      })
    })
  }

  it('still takes an integer within the bounds', async () => {
    const res = await app.inject({ method: 'GET', url: '/list?limit=7' })
    expect(res.json()).toEqual({ limit: 7 })
  })

  it('bounds an integer the schema left open at Number.MAX_SAFE_INTEGER', async () => {
    const res = await app.inject({ method: 'GET', url: '/things/9223372036854775808' })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([
      { path: '/id', message: `must be <= ${Number.MAX_SAFE_INTEGER}` },
    ])
    expect((await app.inject({ method: 'GET', url: '/things/2147483648' })).json()).toEqual({
      id: 2147483648,
    })
  })

  it('answers a JSON number JSON cannot represent (1e309) with 422 naming it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/docs',
      headers: json,
      payload: '{"key":"k","content":{"a":[1,-1e309]}}',
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([
      { path: '/content/a/1', message: 'must be a finite number' },
    ])
  })

  it("leaves the route's own schema (and so its OpenAPI document) as written", () => {
    expect(IdParams.properties.id).toEqual(Type.Integer({ minimum: 1 }))
  })
})
