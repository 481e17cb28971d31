import { setTimeout as sleep } from 'node:timers/promises'
import {
  CloudError,
  type ObjectStore,
  type OutgoingMessage,
  openObjects,
  openQueue,
  type Queue,
  type ReceivedMessage,
} from '@ferry/cloud'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildTestApp, POLL, type TestApp, tokenFor } from './helpers.ts'

let n = 0
const user = () => {
  const id = `events-${++n}-${Date.now()}`
  return { id, token: tokenFor(id) }
}

/** Fails the first put of any key containing `marker`, as an S3 outage would. */
function failingOnce(marker: string) {
  const failed = new Set<string>()
  return (store: ObjectStore): ObjectStore => ({
    ...store,
    async put(key, body, options) {
      if (key.includes(marker) && !failed.has(key)) {
        failed.add(key)
        throw new CloudError('Unavailable', `PutObject ${key}: injected outage`)
      }
      return store.put(key, body, options)
    },
  })
}

describe('the events queue on moto', () => {
  let t: TestApp
  const sent: OutgoingMessage[] = []
  const flaky = `flaky-${Date.now()}`

  beforeAll(async () => {
    t = await buildTestApp({
      queue: { visibilityTimeout: 1, maxReceiveCount: 2 },
      wrap: {
        store: failingOnce(flaky),
        queue: (queue: Queue): Queue => ({
          ...queue,
          send: (messages) => {
            sent.push(...messages)
            return queue.send(messages)
          },
        }),
      },
    })
  })
  afterAll(() => t?.close())

  const send = (u: { id: string; token: string }, body: Record<string, unknown>) =>
    t.request('POST', '/users/sqs/send', { token: u.token, body: { user_id: u.id, ...body } })

  it('queues {user_id, data_type, data} with numbers as numbers and dates as ISO strings', async () => {
    const u = user()
    await t.request('POST', '/users/personal', {
      token: u.token,
      body: { user_id: u.id, name: 'Ada', email: 'ada@example.com', date_of_birth: '1815-12-10' },
    })
    await t.request('POST', '/users/financial', {
      token: u.token,
      body: { user_id: u.id, annual_income: 1000.1, total_debt: 25 },
    })
    const res = await send(u, { data_type: 'all' })
    expect(res.statusCode).toBe(200)
    const body = JSON.parse(sent.at(-1)?.body ?? '{}')
    expect(body).toMatchObject({ user_id: u.id, data_type: 'all' })
    expect(body.data.personal.date_of_birth).toBe('1815-12-10')
    expect(body.data.personal.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(body.data.financial).toMatchObject({ annual_income: 1000.1, total_debt: 25 })
    expect(body.data.health).toBeNull()
  })

  it('answers 404 "<Kind> info not found" when exporting a kind the user lacks', async () => {
    const u = user()
    const res = await send(u, { data_type: 'health' })
    expect(res.statusCode).toBe(404)
    expect(res.json().detail).toBe(`Health info not found for user ${u.id}`)
  })

  it('answers 404 "No records found" when exporting all of a user with none', async () => {
    const u = user()
    const res = await send(u, { data_type: 'all' })
    expect(res.statusCode).toBe(404)
    expect(res.json().detail).toBe(`No records found for user ${u.id}`)
  })

  it('answers 422 for another data_type', async () => {
    const u = user()
    const res = await send(u, { data_type: 'medical' })
    expect(res.statusCode).toBe(422)
  })

  it('leaves an unrecognised message on the queue until it reaches the dead-letter queue', async () => {
    await t.queue.send([{ id: '0', body: 'not json at all' }])
    const dead = await vi.waitFor(async () => {
      const got = await t.deadLetters?.receive({ waitSeconds: 1 })
      const message = got?.find((m) => m.body === 'not json at all')
      expect(message).toBeDefined()
      return message as ReceivedMessage
    }, POLL)
    expect(dead.receiveCount).toBeGreaterThanOrEqual(1)
    expect(t.logs.lines().some((l) => l.reason === 'body is not JSON')).toBe(true)
  })

  it('keeps an export whose S3 write failed and writes it on redelivery', async () => {
    const u = { id: `${flaky}-${++n}`, token: '' }
    u.token = tokenFor(u.id)
    await t.request('POST', '/users/health', {
      token: u.token,
      body: { user_id: u.id, conditions: ['asthma'] },
    })
    expect((await send(u, { data_type: 'health' })).statusCode).toBe(200)
    const doc = await vi.waitFor(async () => {
      const res = await t.request('GET', `/users/${u.id}/s3/health`, { token: u.token })
      expect(res.statusCode).toBe(200)
      return res.json()
    }, POLL)
    expect(doc).toMatchObject({ user_id: u.id, conditions: ['asthma'] })
    expect(t.logs.lines().some((l) => l.msg === 'message failed; it will be redelivered')).toBe(
      true,
    )
  })
})

describe('shutdown', () => {
  it('finishes and deletes the export in hand before the app closes', async () => {
    const marker = `slow-${Date.now()}`
    let writing: () => void = () => {}
    const started = new Promise<void>((resolve) => {
      writing = resolve
    })
    const t = await buildTestApp({
      wrap: {
        store: (store) => ({
          ...store,
          async put(key, body, options) {
            if (key.includes(marker)) {
              writing()
              await sleep(500)
            }
            return store.put(key, body, options)
          },
        }),
      },
    })
    const { aws } = t
    const u = { id: `${marker}-user`, token: tokenFor(`${marker}-user`) }
    try {
      await t.request('POST', '/users/health', { token: u.token, body: { user_id: u.id } })
      await t.request('POST', '/users/sqs/send', {
        token: u.token,
        body: { user_id: u.id, data_type: 'health' },
      })
      await started
      await t.app.close()
      const store = openObjects(t.settings.S3_BUCKET_NAME ?? '', { aws })
      const queue = openQueue(t.settings.SQS_QUEUE_URL ?? '', { aws })
      expect(await store.head(`users/health/${u.id}.json`)).toBeDefined()
      expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0 })
      await store.close()
      await queue.close()
    } finally {
      await t.close()
    }
  })
})
