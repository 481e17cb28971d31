import { MAX_JSON_DEPTH } from '@ferry/kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, email, post, type TestApp, TOKEN } from './helpers.ts'

const bearer = { authorization: `Bearer ${TOKEN}` }

/** JSON text of a payload whose `/data` is nested `levels` deep (data itself is one level). */
function nestedData(levels: number): string {
  const head = JSON.stringify(email()).slice(0, -1)
  return `${head},"deep":${'['.repeat(levels - 1)}"x"${']'.repeat(levels - 1)}}`
}

describe('nesting depth', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  afterAll(() => t.close())

  it(`accepts data nested exactly ${MAX_JSON_DEPTH} levels deep`, async () => {
    const res = await post(t, `{"data":${nestedData(MAX_JSON_DEPTH)}}`, bearer)
    expect(res.statusCode).toBe(200)
    await t.drain(1)
  })

  it.each([MAX_JSON_DEPTH + 1, 100, 10_000])(
    'answers 400 problem+json for data nested %i levels deep',
    async (levels) => {
      const res = await post(t, `{"data":${nestedData(levels)}}`, bearer)
      expect(res.statusCode).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json()).toMatchObject({
        code: 'json_too_deep',
        detail: `/data is nested deeper than ${MAX_JSON_DEPTH} levels.`,
      })
    },
  )

  it('rejects a too-deep batch item with 400 and queues the others', async () => {
    const items = `[{"data":${JSON.stringify(email())}},{"data":${nestedData(100)}}]`
    const res = await post(t, `{"items":${items}}`, bearer, '/ingest/batch')
    expect(res.statusCode).toBe(207)
    expect(res.json().results[1]).toEqual({
      index: 1,
      status: 'rejected',
      code: 400,
      detail: `/data: is nested deeper than ${MAX_JSON_DEPTH} levels`,
    })
    expect(await t.drain(1)).toHaveLength(1)
  })
})
