import { Type } from '@sinclair/typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { createService, type ServiceApp } from '../src/index.ts'

const Body = Type.Object({
  count: Type.Integer(),
  name: Type.String(),
  data: Type.Object({ email_subject: Type.String(), tags: Type.Array(Type.String()) }),
})

let app: ServiceApp

function build(): ServiceApp {
  app = createService({ name: 'test', version: '1.0.0', logLevel: 'silent' })
  app.post('/things', { schema: { body: Body } }, (request) => request.body)
  app.get(
    '/search',
    { schema: { querystring: Type.Object({ limit: Type.Integer(), exact: Type.Boolean() }) } },
    // Typed by the TypeBox provider: `limit` is a number here, or tsc fails.
    ({ query }) => ({ next: query.limit + 1, exact: query.exact }),
  )
  return app
}

afterEach(() => app?.close())

const valid = { count: 1, name: 'a', data: { email_subject: 's', tags: [] } }

describe('request validation', () => {
  it('rejects a JSON string where the body schema wants an integer', async () => {
    const res = await build().inject({
      method: 'POST',
      url: '/things',
      payload: { ...valid, count: '12' },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([{ path: '/count', message: 'must be integer' }])
  })

  it('rejects null where the body schema wants a string', async () => {
    const res = await build().inject({
      method: 'POST',
      url: '/things',
      payload: { ...valid, name: null },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([{ path: '/name', message: 'must be string' }])
  })

  it('coerces querystring values to the schema types', async () => {
    const res = await build().inject({ url: '/search?limit=5&exact=true' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ next: 6, exact: true })
  })

  it('lists every failing body field, a missing property at its own path', async () => {
    const payload = { count: 1.5, name: 3, data: { tags: ['x', 4] } }
    const res = await build().inject({ method: 'POST', url: '/things', payload })
    expect(res.statusCode).toBe(422)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({
      status: 422,
      code: 'validation_failed',
      detail: 'The request body is invalid (4 fields).',
      instance: '/things',
    })
    expect(res.json().errors).toHaveLength(4)
    expect(res.json().errors).toEqual(
      expect.arrayContaining([
        { path: '/count', message: 'must be integer' },
        { path: '/name', message: 'must be string' },
        { path: '/data/email_subject', message: 'is required' },
        { path: '/data/tags/1', message: 'must be string' },
      ]),
    )
  })

  it('lists every failing querystring field', async () => {
    const res = await build().inject({ url: '/search?limit=x' })
    expect(res.statusCode).toBe(422)
    expect(res.json().detail).toBe('The query string is invalid (2 fields).')
    expect(res.json().errors).toHaveLength(2)
    expect(res.json().errors).toEqual(
      expect.arrayContaining([
        { path: '/limit', message: 'must be integer' },
        { path: '/exact', message: 'is required' },
      ]),
    )
  })
})
