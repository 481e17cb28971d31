import { testResourceKinds } from '@ferry/cloud/testing'
import { metricValue } from '@ferry/kit'
import { describe, expect, it } from 'vitest'
import { envelope, keyOf, listKeys, startedWorkers, type TestWorker } from './helpers.ts'

describe.each(testResourceKinds())('the worker on %s', (kind) => {
  const started = startedWorkers(kind)

  const queueEmpty = async (w: TestWorker) => {
    const depth = await w.queue.depth()
    return depth.visible === 0 && depth.inFlight === 0
  }

  it('writes one message as one JSON object keyed by the envelope, then the queue is empty', async () => {
    const w = await started()
    const e = envelope()
    await w.send(e)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    expect(await listKeys(w.objects)).toEqual([keyOf(e)])
    const { body, info } = await w.objects.getBuffer(keyOf(e))
    expect(JSON.parse(body.toString())).toEqual(e)
    expect(info.contentType).toBe('application/json')
    await expect.poll(() => queueEmpty(w)).toBe(true)
  })

  it('writes one object for a message delivered twice and deletes both deliveries', async () => {
    const w = await started()
    const e = envelope()
    await w.send(e)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    await w.send(e)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(2)
    expect(await listKeys(w.objects)).toEqual([keyOf(e)])
    expect(await metricValue(w.metrics.written)).toBe(1)
    expect(await metricValue(w.metrics.duplicates)).toBe(1)
    await expect.poll(() => queueEmpty(w)).toBe(true)
  })

  it('writes one object when two copies of a message arrive together, and deletes both', async () => {
    const w = await started()
    const e = envelope()
    await w.send(e, e)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(2)
    expect(await listKeys(w.objects)).toEqual([keyOf(e)])
    await expect.poll(() => queueEmpty(w)).toBe(true)
  })

  it('keeps the first object when a redelivery carries other data', async () => {
    const w = await started()
    const first = envelope({ data: { n: 1 } })
    await w.send(first)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    await w.send({ ...first, data: { n: 2 } })
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(2)
    const { body } = await w.objects.getBuffer(keyOf(first))
    expect(JSON.parse(body.toString()).data).toEqual({ n: 1 })
  })

  it('writes many messages, each exactly once, and empties the queue', async () => {
    const w = await started()
    const all = Array.from({ length: 45 }, () => envelope())
    await w.send(...all)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(45)
    expect(await listKeys(w.objects)).toEqual(all.map(keyOf).sort())
    await expect.poll(() => queueEmpty(w)).toBe(true)
  })

  it('keys an envelope without email_timestream by received_at, in UTC', async () => {
    const w = await started({
      env: { S3_KEY_TEMPLATE: 'p/{env}/{yyyy}-{mm}-{dd}T{hh}/{message_id}' },
    })
    const e = envelope({ received_at: '2019-12-31T23:59:59-01:00' })
    await w.send(e)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    expect(await listKeys(w.objects)).toEqual([`p/test/2020-01-01T00/${e.message_id}`])
  })

  it('stores a client retry received on another UTC day under the first key: one object', async () => {
    const w = await started()
    const data = { email_subject: 'Hi', email_timestream: 1_700_000_000 }
    const first = envelope({ received_at: '2023-11-14T23:59:59.000Z', data })
    const retry = { ...first, received_at: '2023-11-15T00:00:05.000Z' }
    await w.send(first, retry)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(2)
    expect(await listKeys(w.objects)).toEqual([
      `emails/v1/test/2023/11/14/${first.message_id}.json`,
    ])
    expect(await metricValue(w.metrics.written)).toBe(1)
    expect(await metricValue(w.metrics.duplicates)).toBe(1)
  })

  it('backs off on an empty queue instead of polling it in a loop', async () => {
    const w = await started({ env: { POLL_WAIT_SECONDS: '0', WORKER_CONCURRENCY: '8' } })
    await new Promise((r) => setTimeout(r, 1500))
    // Two receivers; without a backoff each would poll hundreds of times in 1.5 s.
    expect(await metricValue(w.metrics.receiveRequests)).toBeLessThanOrEqual(16)
    expect(await metricValue(w.metrics.receiveRequests)).toBeGreaterThanOrEqual(2)
  })

  it('answers /ready 200 when the queue and the bucket are reachable', async () => {
    const w = await started()
    const res = await w.app.inject('/ready')
    expect(res.statusCode).toBe(200)
    expect(res.json().checks).toMatchObject({ queue: 'ok', bucket: 'ok' })
  })

  it('counts what it did on /metrics in the Prometheus text format', async () => {
    const w = await started()
    await w.send(envelope(), 'not json')
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    await expect.poll(() => metricValue(w.metrics.invalid)).toBeGreaterThanOrEqual(1)
    const res = await w.app.inject('/metrics')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.body).toContain('# TYPE ferry_worker_objects_written_total counter\n')
    expect(res.body).toMatch(/^ferry_worker_objects_written_total 1$/m)
    expect(res.body).toMatch(/^ferry_worker_messages_deleted_total 1$/m)
    expect(res.body).toMatch(/^ferry_worker_messages_received_total [2-9]$/m)
    expect(res.body).toMatch(/^ferry_worker_messages_in_flight 0$/m)
    const age = /^ferry_worker_last_message_age_seconds (\S+)$/m.exec(res.body)?.[1]
    expect(Number(age)).toBeGreaterThan(0)
  })
})
