import { setTimeout as sleep } from 'node:timers/promises'
import type { Queue } from '@ferry/cloud'
import { sampleValue } from '@ferry/kit/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp, tokenFor } from './helpers.ts'

/** The consumer gets each received message `ms` after the queue gave it, as a busy one would. */
const lateReceives =
  (ms: number) =>
  (queue: Queue): Queue => ({
    ...queue,
    async receive(options) {
      const messages = await queue.receive(options)
      if (messages.length > 0) await sleep(ms)
      return messages
    },
  })

describe('the events consumer at /metrics', () => {
  let t: TestApp
  const userId = `metrics-user-${Date.now()}`

  beforeAll(async () => {
    t = await buildTestApp({
      // Longer than the late receive, so a message is not received again while it is handled.
      queue: { visibilityTimeout: 10, maxReceiveCount: 2 },
      wrap: { queue: lateReceives(1000) },
    })
  })
  afterAll(() => t?.close())

  const scrape = async () => {
    const res = await t.app.inject('/metrics')
    expect(res.statusCode).toBe(200)
    return res.body
  }
  const handled = async (type: string) =>
    sampleValue(await scrape(), 'ferry_api_events_handled_total', { type })

  it('counts an export and a notification handled, and an unknown message failed', async () => {
    const token = tokenFor(userId)
    await t.request('POST', '/users/health', { token, body: { user_id: userId } })
    const sent = await t.request('POST', '/users/sqs/send', {
      token,
      body: { user_id: userId, data_type: 'health' },
    })
    expect(sent.statusCode).toBe(200)
    await t.topic.publish({ message: 'hello', subject: 'metrics' })
    await t.queue.send([{ id: '0', body: 'not json at all' }])
    await expect.poll(() => handled('export')).toBe(1)
    await expect.poll(() => handled('notification')).toBe(1)
    await expect
      .poll(async () =>
        sampleValue(await scrape(), 'ferry_api_events_failed_total', { type: 'unknown' }),
      )
      .toBeGreaterThanOrEqual(1)
    const text = await scrape()
    expect(sampleValue(text, 'ferry_api_events_handled_total', { type: 'export' })).toBe(1)
    expect(sampleValue(text, 'ferry_api_events_failed_total', { type: 'export' })).toBe(0)
    expect(text).not.toContain(userId)
  })

  it("measures the lag from each message's sentAt to its handling", async () => {
    const handlings = async () =>
      sampleValue(await scrape(), 'ferry_api_events_lag_seconds_count') ?? 0
    const before = await handlings()
    await t.topic.publish({ message: 'lag probe', subject: 'metrics' })
    await expect.poll(handlings).toBeGreaterThan(before)
    const text = await scrape()
    const count = sampleValue(text, 'ferry_api_events_lag_seconds_count')
    // Every message reached the handler at least a second after the queue had it.
    expect(sampleValue(text, 'ferry_api_events_lag_seconds_bucket', { le: 0.5 })).toBe(0)
    expect(sampleValue(text, 'ferry_api_events_lag_seconds_bucket', { le: 3600 })).toBe(count)
    expect(sampleValue(text, 'ferry_api_events_last_lag_seconds')).toBeGreaterThanOrEqual(1)
  })
})
