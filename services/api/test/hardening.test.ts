import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers.ts'

let t: TestApp

beforeAll(async () => {
  t = await buildTestApp({ drivers: 'local' })
})
afterAll(() => t?.close())

describe('GET /health', () => {
  it("carries the replaced service's message field", async () => {
    const res = await t.request('GET', '/health')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok', message: 'ok' })
  })
})
