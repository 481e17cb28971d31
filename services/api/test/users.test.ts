import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, buildTestApp, type TestApp, tokenFor } from './helpers.ts'

let t: TestApp
let n = 0

/** A fresh user id and its token, so tests never see each other's rows. */
function newUser() {
  n += 1
  const id = `user-${n}-${Date.now()}`
  return { id, token: tokenFor(id) }
}

const personal = (id: string, extra: Record<string, unknown> = {}) => ({
  user_id: id,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  ...extra,
})

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

describe('PATCH /users/{id}/{kind}', () => {
  it('changes only the fields sent and keeps the health lists', async () => {
    const u = newUser()
    const body = { user_id: u.id, blood_type: 'O+', conditions: ['asthma'], allergies: ['nuts'] }
    await t.request('POST', '/users/health', { token: u.token, body })
    const res = await t.request('PATCH', `/users/${u.id}/health`, {
      token: u.token,
      body: { medications: ['inhaler'] },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      blood_type: 'O+',
      conditions: ['asthma'],
      medications: ['inhaler'],
      allergies: ['nuts'],
    })
  })

  it('clears a nullable field sent as null', async () => {
    const u = newUser()
    await t.request('POST', '/users/personal', {
      token: u.token,
      body: personal(u.id, { phone: '123' }),
    })
    const res = await t.request('PATCH', `/users/${u.id}/personal`, {
      token: u.token,
      body: { phone: null },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ phone: null, name: 'Ada Lovelace' })
  })

  it('answers 422 for null on a field that may not be empty, changing nothing', async () => {
    const u = newUser()
    await t.request('POST', '/users/personal', { token: u.token, body: personal(u.id) })
    const res = await t.request('PATCH', `/users/${u.id}/personal`, {
      token: u.token,
      body: { name: null, phone: '555' },
    })
    expect(res.statusCode).toBe(422)
    const after = await t.request('GET', `/users/${u.id}/personal`, { token: u.token })
    expect(after.json()).toMatchObject({ name: 'Ada Lovelace', phone: null })
  })

  it('answers 422 for null on a health list', async () => {
    const u = newUser()
    await t.request('POST', '/users/health', { token: u.token, body: { user_id: u.id } })
    const res = await t.request('PATCH', `/users/${u.id}/health`, {
      token: u.token,
      body: { allergies: null },
    })
    expect(res.statusCode).toBe(422)
  })

  it('moves updated_at forward and keeps created_at', async () => {
    const u = newUser()
    const created = (
      await t.request('POST', '/users/financial', { token: u.token, body: { user_id: u.id } })
    ).json()
    const res = await t.request('PATCH', `/users/${u.id}/financial`, {
      token: u.token,
      body: { credit_score: 640 },
    })
    const patched = res.json()
    expect(patched.created_at).toBe(created.created_at)
    expect(Date.parse(patched.updated_at)).toBeGreaterThan(Date.parse(created.updated_at))
  })

  it('answers 422 for an amount with more than 2 decimals', async () => {
    const u = newUser()
    await t.request('POST', '/users/financial', { token: u.token, body: { user_id: u.id } })
    const res = await t.request('PATCH', `/users/${u.id}/financial`, {
      token: u.token,
      body: { total_debt: 1.005 },
    })
    expect(res.statusCode).toBe(422)
    expect(res.json().errors).toEqual([
      { path: '/total_debt', message: 'must have at most 2 decimal places' },
    ])
  })

  it('answers 404 when the user has no such record', async () => {
    const u = newUser()
    const res = await t.request('PATCH', `/users/${u.id}/health`, { token: u.token, body: {} })
    expect(res.statusCode).toBe(404)
    expect(res.json().detail).toBe(`Health info not found for user ${u.id}`)
  })

  it("answers 403 for another user's record and leaves it unchanged", async () => {
    const owner = newUser()
    await t.request('POST', '/users/personal', { token: owner.token, body: personal(owner.id) })
    const res = await t.request('PATCH', `/users/${owner.id}/personal`, {
      token: newUser().token,
      body: { name: 'Mallory' },
    })
    expect(res.statusCode).toBe(403)
    const after = await t.request('GET', `/users/${owner.id}/personal`, { token: owner.token })
    expect(after.json().name).toBe('Ada Lovelace')
  })
})

describe('DELETE /users/{id}/{kind}', () => {
  it('deletes the record and says so', async () => {
    const u = newUser()
    await t.request('POST', '/users/financial', { token: u.token, body: { user_id: u.id } })
    const res = await t.request('DELETE', `/users/${u.id}/financial`, { token: u.token })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ message: `Financial info deleted for user ${u.id}` })
    const after = await t.request('GET', `/users/${u.id}/financial`, { token: u.token })
    expect(after.statusCode).toBe(404)
  })

  it('answers 404 when there is nothing to delete', async () => {
    const u = newUser()
    const res = await t.request('DELETE', `/users/${u.id}/personal`, { token: u.token })
    expect(res.statusCode).toBe(404)
    expect(res.json().detail).toBe(`Personal info not found for user ${u.id}`)
  })

  it("answers 403 for another user's record and keeps it", async () => {
    const owner = newUser()
    await t.request('POST', '/users/health', { token: owner.token, body: { user_id: owner.id } })
    const res = await t.request('DELETE', `/users/${owner.id}/health`, { token: newUser().token })
    expect(res.statusCode).toBe(403)
    expect(
      (await t.request('GET', `/users/${owner.id}/health`, { token: owner.token })).statusCode,
    ).toBe(200)
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
