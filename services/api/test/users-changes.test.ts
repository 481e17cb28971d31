import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers.ts'
import { newUser, personal } from './users.ts'

let t: TestApp

beforeAll(async () => {
  t = await buildTestApp({ drivers: 'local' })
})
afterAll(() => t?.close())

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
