import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { openQueue, openSecret } from '@ferry/cloud'
import { captureLogs } from '@ferry/kit/testing'
import { Value } from '@sinclair/typebox/value'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.ts'
import { Config } from '../src/config.ts'
import { buildTestApp, email, post, type TestApp, TOKEN } from './helpers.ts'

const bearer = { authorization: `Bearer ${TOKEN}` }

describe('the token in SSM', () => {
  let t: TestApp | undefined
  afterEach(async () => t?.close())

  it('takes a rotated token within the TTL, without a restart', async () => {
    t = await buildTestApp({ TOKEN_CACHE_TTL_SECONDS: '0.3' })
    expect((await post(t, { data: email() }, bearer)).statusCode).toBe(200)
    await t.param.set('rotated-token')
    await new Promise((r) => setTimeout(r, 400))
    expect((await post(t, { data: email() }, bearer)).statusCode).toBe(403)
    const rotated = await post(t, { data: email() }, { authorization: 'Bearer rotated-token' })
    expect(rotated.statusCode).toBe(200)
    await t.drain(2)
  })

  it('answers 503 "Token parameter not found" when the parameter is missing, and is not ready', async () => {
    t = await buildTestApp()
    await t.param.cleanup()
    const res = await post(t, { data: email() }, bearer)
    expect(res.statusCode).toBe(503)
    expect(res.json().detail).toBe('Token parameter not found')
    expect(res.headers['retry-after']).toBeDefined()
    const ready = await t.app.inject('/ready')
    expect(ready.statusCode).toBe(503)
    expect(ready.json().checks.queue).toBe('ok')
  })
})

describe('the queue failing', () => {
  it('answers 503 with Retry-After naming the queue when SQS is unreachable, and reports nothing accepted', async () => {
    const t = await buildTestApp()
    const { aws } = t
    const deadAws = { ...aws, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }
    const config = Value.Parse(Config, {
      SQS_QUEUE_URL: t.queueUrl,
      SSM_TOKEN_PARAM: t.param.name,
    })
    const { app } = buildApp({
      config,
      queue: openQueue(t.queueUrl, { aws: deadAws }),
      secret: openSecret(t.param.name, { aws, ttlSeconds: 60 }),
      logger: { stream: captureLogs().stream },
    })
    try {
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          app.inject({
            method: 'POST',
            url: '/ingest',
            headers: bearer,
            payload: { data: email() },
          }),
        ),
      )
      for (const res of responses) {
        expect(res.statusCode).toBe(503)
        expect(res.json().detail).toBe('The queue is unavailable; retry shortly.')
        expect(res.headers['retry-after']).toBeDefined()
      }
      expect((await app.inject('/ready')).statusCode).toBe(503)
      expect(await t.queue.receive({ waitSeconds: 1 })).toEqual([])
    } finally {
      await app.close()
      await t.close()
    }
  })

  describe('an entry failing inside a batch (client mock)', () => {
    // Installed only for these tests: mockClient patches every SQSClient, the fixtures' too.
    let sqs: ReturnType<typeof mockClient>
    beforeAll(() => {
      sqs = mockClient(SQSClient)
    })
    afterEach(() => sqs.reset())
    afterAll(() => sqs.restore())

    async function mockedApp() {
      const config = Value.Parse(Config, {
        SQS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest',
        SSM_TOKEN_PARAM: 'file:///dev/null',
        BATCH_LINGER_MS: '20',
      })
      const secret = { name: 't', get: async () => TOKEN, invalidate() {}, close: async () => {} }
      return buildApp({
        config,
        queue: openQueue(config.SQS_QUEUE_URL, { aws: { region: 'us-east-1' } }),
        secret,
        logger: { stream: captureLogs().stream },
      }).app
    }

    function sendThree(app: Awaited<ReturnType<typeof mockedApp>>) {
      return Promise.all(
        [1, 2, 3].map((n) =>
          app.inject({
            method: 'POST',
            url: '/ingest',
            headers: bearer,
            payload: { data: email({ n }) },
          }),
        ),
      )
    }

    it('retries the failed entry once and answers 200 to everyone when the retry succeeds', async () => {
      let call = 0
      sqs.on(SendMessageBatchCommand).callsFake((input) => {
        call++
        const entries = input.Entries as { Id: string }[]
        const failFirst = call === 1
        return {
          Successful: entries
            .filter((_, i) => !(failFirst && i === 1))
            .map((e) => ({ Id: e.Id, MessageId: `m-${call}-${e.Id}`, MD5OfMessageBody: 'x' })),
          Failed: failFirst
            ? [{ Id: entries[1]?.Id, Code: 'InternalError', SenderFault: false }]
            : [],
        }
      })
      const app = await mockedApp()
      const responses = await sendThree(app)
      expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200])
      expect(call).toBe(2)
      await app.close()
    })

    it('answers 503 to that request alone when its entry fails twice', async () => {
      sqs.on(SendMessageBatchCommand).callsFake((input) => {
        const entries = input.Entries as { Id: string; MessageBody: string }[]
        const bad = (e: { MessageBody: string }) => JSON.parse(e.MessageBody).data.n === 2
        return {
          Successful: entries
            .filter((e) => !bad(e))
            .map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
          Failed: entries
            .filter(bad)
            .map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
        }
      })
      const app = await mockedApp()
      const responses = await sendThree(app)
      expect(responses.map((r) => r.statusCode)).toEqual([200, 503, 200])
      expect(responses[1]?.json().detail).toBe('The queue is unavailable; retry shortly.')
      await app.close()
    })
  })
})

describe('shutdown', () => {
  it('flushes a pending batch before closing: a request in its linger still gets 200 and is on the queue', async () => {
    const t = await buildTestApp({ BATCH_LINGER_MS: '300' })
    const inFlight = post(t, { data: email() }, bearer)
    await new Promise((r) => setTimeout(r, 50))
    const closing = t.app.close()
    const res = await inFlight
    await closing
    expect(res.statusCode).toBe(200)
    const bodies = (await t.drain(1)) as { message_id: string }[]
    expect(bodies.map((b) => b.message_id)).toEqual([res.json().message_id])
    await t.cleanup()
  })
})
