import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openLocalQueue } from '../src/queue/local/driver.ts'
import { openSqsQueue } from '../src/queue/sqs.ts'
import { awsTestOptions, createTestQueue, createTestTopic } from '../src/testing.ts'
import { openLocalTopic, subscribeLocalQueue } from '../src/topic/local.ts'
import { openSnsTopic } from '../src/topic/sns.ts'
import { topicContract } from './topic-contract.ts'

topicContract('local topic', async ({ subscribed }) => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-topic-'))
  const queueDir = join(dir, 'queue')
  if (subscribed) await subscribeLocalQueue(join(dir, 'topic'), `file://${queueDir}`)
  const topic = openLocalTopic(join(dir, 'topic'))
  const queue = subscribed ? openLocalQueue(queueDir, {}) : undefined
  return {
    topic,
    ...(queue ? { queue } : {}),
    async cleanup() {
      await topic.close()
      await queue?.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
})

describe('local topic subscriptions', () => {
  let dir: string
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const subscriptions = async () =>
    JSON.parse(await readFile(join(dir, 'topic', 'subscriptions.json'), 'utf8')) as {
      queues: string[]
    }

  it('records a queue subscribed twice only once, so it gets each message once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-topic-'))
    const queueUrl = `file://${join(dir, 'q')}`
    await subscribeLocalQueue(join(dir, 'topic'), queueUrl)
    await subscribeLocalQueue(join(dir, 'topic'), `${queueUrl}?visibilityTimeout=5`)
    expect((await subscriptions()).queues).toEqual([queueUrl])
    const topic = openLocalTopic(join(dir, 'topic'))
    await topic.publish({ message: 'once' })
    const queue = openLocalQueue(join(dir, 'q'), {})
    expect(await queue.receive({ waitSeconds: 0 })).toHaveLength(1)
    expect(await queue.receive({ waitSeconds: 0 })).toEqual([])
  })

  it('delivers each message to every subscribed queue', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-topic-'))
    const names = ['a', 'b', 'c']
    for (const n of names) await subscribeLocalQueue(join(dir, 'topic'), `file://${join(dir, n)}`)
    const { messageId } = await openLocalTopic(join(dir, 'topic')).publish({ message: 'fan-out' })
    for (const n of names) {
      const [message] = await openLocalQueue(join(dir, n), {}).receive({ waitSeconds: 0 })
      expect(JSON.parse(message?.body ?? '{}')).toMatchObject({
        MessageId: messageId,
        Message: 'fan-out',
      })
    }
  })

  it('keeps every subscription made concurrently', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-topic-'))
    const urls = Array.from({ length: 8 }, (_, i) => `file://${join(dir, `q${i}`)}`)
    await Promise.all(urls.map((u) => subscribeLocalQueue(join(dir, 'topic'), u)))
    expect((await subscriptions()).queues.sort()).toEqual([...urls].sort())
  })

  it('refuses to subscribe a queue that is not a file:// URL', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-topic-'))
    await expect(
      subscribeLocalQueue(join(dir, 'topic'), 'https://sqs.us-east-1.amazonaws.com/1/q'),
    ).rejects.toMatchObject({ name: 'CloudError', code: 'InvalidArgument' })
  })
})

const aws = awsTestOptions()
describe.runIf(aws)('SNS (moto)', () => {
  const options = aws ?? {}

  topicContract('SNS topic', async ({ subscribed }) => {
    const created = subscribed ? await createTestQueue(options) : undefined
    const testTopic = await createTestTopic(options, created ? [created.arn] : [])
    const topic = openSnsTopic(testTopic.arn, { aws: options })
    const queue = created ? openSqsQueue(created.url, { aws: options }) : undefined
    return {
      topic,
      ...(queue ? { queue } : {}),
      async cleanup() {
        await topic.close()
        await queue?.close()
        await testTopic.cleanup()
        await created?.cleanup()
      },
    }
  })

  it('fails ping with NotFound for a topic that does not exist', async () => {
    const topic = openSnsTopic('arn:aws:sns:us-east-1:123456789012:ferry-missing-topic', {
      aws: options,
    })
    await expect(topic.ping()).rejects.toMatchObject({ name: 'CloudError', code: 'NotFound' })
    await topic.close()
  })
})
