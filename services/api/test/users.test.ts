import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, buildTestApp, type TestApp } from './helpers.ts'
import { newUser, personal } from './users.ts'

let t: TestApp

beforeAll(async () => {
  t = await buildTestApp({ drivers: 'local' })
})
afterAll(() => t?.close())

describe('POST /users/{kind}', () => {
  it('creates personal info and answers 201 with the record', async () => {
    const u = newUser()
    const body = personal(u.id, { phone: '+44 20 1234', date_of_birth: '1815-12-10' })
    const res = await t.request('POST', '/users/personal', { token: u.token, body })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      ...body,
      address: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    })
  })

  it('answers 409 with the kind and user id when the user already has the record', async () => {
    const u = newUser()
    await t.request('POST', '/users/personal', { token: u.token, body: personal(u.id) })
    const res = await t.request('POST', '/users/personal', { token: u.token, body: personal(u.id) })
    expect(res.statusCode).toBe(409)
    expect(res.json().detail).toBe(`Personal info already exists for user ${u.id}`)
  })

  it('returns amounts as JSON numbers with their cents', async () => {
    const u = newUser()
    const body = { user_id: u.id, annual_income: 85000.5, total_debt: 1234.56, credit_score: 720 }
    const res = await t.request('POST', '/users/financial', { token: u.token, body })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      annual_income: 85000.5,
      total_debt: 1234.56,
      credit_score: 720,
    })
  })

  it('gives health lists an empty default', async () => {
    const u = newUser()
    const res = await t.request('POST', '/users/health', {
      token: u.token,
      body: { user_id: u.id, blood_type: 'AB-' },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      blood_type: 'AB-',
      conditions: [],
      medications: [],
      allergies: [],
    })
  })

  it('answers 403 when the body names another user', async () => {
    const u = newUser()
    const res = await t.request('POST', '/users/personal', {
      token: u.token,
      body: personal('someone-else'),
    })
    expect(res.statusCode).toBe(403)
    expect(res.json().detail).toBe('Forbidden')
  })

  it('lets an admin create a record for any user', async () => {
    const u = newUser()
    const res = await t.request('POST', '/users/personal', { token: ADMIN, body: personal(u.id) })
    expect(res.statusCode).toBe(201)
  })
})

describe('validation', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['personal', 'an invalid email', { name: 'A', email: 'not-an-email' }, '/email'],
    [
      'personal',
      'a date that is not YYYY-MM-DD',
      { name: 'A', email: 'a@b.co', date_of_birth: '10/12/1815' },
      '/date_of_birth',
    ],
    [
      'personal',
      'an impossible date',
      { name: 'A', email: 'a@b.co', date_of_birth: '2001-02-30' },
      '/date_of_birth',
    ],
    ['personal', 'a missing name', { email: 'a@b.co' }, '/name'],
    ['financial', 'a credit score below 300', { credit_score: 299 }, '/credit_score'],
    ['financial', 'a credit score above 850', { credit_score: 851 }, '/credit_score'],
    ['financial', 'a fractional credit score', { credit_score: 700.5 }, '/credit_score'],
    ['financial', 'a negative amount', { total_debt: -1 }, '/total_debt'],
    ['financial', 'an amount with 3 decimals', { annual_income: 10.123 }, '/annual_income'],
    ['financial', 'an amount given as a string', { annual_income: '10.00' }, '/annual_income'],
    ['health', 'an unknown blood type', { blood_type: 'C+' }, '/blood_type'],
    ['health', 'a list holding a number', { allergies: ['pollen', 3] }, '/allergies/1'],
    ['health', 'a list given as a string', { conditions: 'asthma' }, '/conditions'],
  ]
  for (const [kind, what, fields, path] of cases) {
    it(`answers 422 naming ${path} for ${what} (${kind})`, async () => {
      const u = newUser()
      const body = { user_id: u.id, ...fields }
      const res = await t.request('POST', `/users/${kind}`, { token: u.token, body })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path)
    })
  }

  it('answers 422 naming a field the kind does not have, rather than dropping it', async () => {
    const u = newUser()
    const body = personal(u.id, { ssn: '078-05-1120' })
    const res = await t.request('POST', '/users/personal', { token: u.token, body })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([{ path: '/ssn', message: 'is not allowed' }])
  })

  it('accepts amounts with exactly two decimals that binary floats cannot hold exactly', async () => {
    const u = newUser()
    const body = { user_id: u.id, annual_income: 0.07, total_debt: 9_999_999_999_999.99 }
    const res = await t.request('POST', '/users/financial', { token: u.token, body })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ annual_income: 0.07, total_debt: 9_999_999_999_999.99 })
  })
})

describe('GET /users/{id}/{kind}', () => {
  it('reads the record with its date as YYYY-MM-DD', async () => {
    const u = newUser()
    await t.request('POST', '/users/personal', {
      token: u.token,
      body: personal(u.id, { date_of_birth: '1990-01-01' }),
    })
    const res = await t.request('GET', `/users/${u.id}/personal`, { token: u.token })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ user_id: u.id, date_of_birth: '1990-01-01' })
  })

  it('answers 404 with the kind and user id when absent', async () => {
    const u = newUser()
    const res = await t.request('GET', `/users/${u.id}/financial`, { token: u.token })
    expect(res.statusCode).toBe(404)
    expect(res.json().detail).toBe(`Financial info not found for user ${u.id}`)
  })

  it("answers 403 for another user's record", async () => {
    const owner = newUser()
    await t.request('POST', '/users/health', { token: owner.token, body: { user_id: owner.id } })
    const res = await t.request('GET', `/users/${owner.id}/health`, { token: newUser().token })
    expect(res.statusCode).toBe(403)
  })

  it("lets an admin read any user's record", async () => {
    const owner = newUser()
    await t.request('POST', '/users/health', { token: owner.token, body: { user_id: owner.id } })
    const res = await t.request('GET', `/users/${owner.id}/health`, { token: ADMIN })
    expect(res.statusCode).toBe(200)
  })
})

describe('GET /users/{id}', () => {
  it('returns every kind, null where absent', async () => {
    const u = newUser()
    await t.request('POST', '/users/personal', { token: u.token, body: personal(u.id) })
    await t.request('POST', '/users/financial', {
      token: u.token,
      body: { user_id: u.id, total_debt: 10.5 },
    })
    const res = await t.request('GET', `/users/${u.id}`, { token: u.token })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.user_id).toBe(u.id)
    expect(body.personal).toMatchObject({ name: 'Ada Lovelace' })
    expect(body.financial).toMatchObject({ total_debt: 10.5 })
    expect(body.health).toBeNull()
  })

  it('answers 404 when the user has no records at all', async () => {
    const u = newUser()
    const res = await t.request('GET', `/users/${u.id}`, { token: u.token })
    expect(res.statusCode).toBe(404)
    expect(res.json().detail).toBe(`No records found for user ${u.id}`)
  })

  it("answers 403 for another user's records", async () => {
    const owner = newUser()
    await t.request('POST', '/users/personal', { token: owner.token, body: personal(owner.id) })
    const res = await t.request('GET', `/users/${owner.id}`, { token: newUser().token })
    expect(res.statusCode).toBe(403)
  })
})
