import { describe, expect, it, type TestContext } from 'vitest'
import type { Queue } from '../src/queue/queue.ts'
import type { SnsNotification, Topic } from '../src/topic/topic.ts'

export interface TopicFixture {
  topic: Topic
  /** A queue subscribed to the topic, when opened with `subscribed: true`. */
  queue?: Queue
  cleanup(): Promise<void>
}

export type OpenTopic = (options: { subscribed: boolean }) => Promise<TopicFixture>

async function receiveNotification(queue: Queue): Promise<SnsNotification> {
  const [message] = await queue.receive({ maxMessages: 1, waitSeconds: 3 })
  if (!message) throw new Error('no notification arrived')
  return JSON.parse(message.body) as SnsNotification
}

/** The behaviour every Topic driver shares; `open` makes a fresh topic per call. */
export function topicContract(name: string, open: OpenTopic): void {
  describe.concurrent(name, { timeout: 15_000 }, () => {
    const fresh = async (context: TestContext, subscribed: boolean) => {
      const fixture = await open({ subscribed })
      context.onTestFinished(() => fixture.cleanup())
      return fixture
    }

    it('delivers a published message to a subscribed queue as an SNS notification', async (context) => {
      const { topic, queue } = await fresh(context, true)
      const { messageId } = await topic.publish({
        message: '{"event":"created"}',
        subject: 'user.created',
        attributes: { tenant: 't-1', kind: 'user' },
      })
      const notification = await receiveNotification(queue as Queue)
      expect(notification).toMatchObject({
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: topic.arn,
        Subject: 'user.created',
        Message: '{"event":"created"}',
        MessageAttributes: {
          tenant: { Type: 'String', Value: 't-1' },
          kind: { Type: 'String', Value: 'user' },
        },
      })
      expect(Math.abs(Date.parse(notification.Timestamp) - Date.now())).toBeLessThan(60_000)
    })

    it('leaves Subject and MessageAttributes out of the notification when none were given', async (context) => {
      const { topic, queue } = await fresh(context, true)
      await topic.publish({ message: 'plain' })
      const notification = await receiveNotification(queue as Queue)
      expect(notification.Message).toBe('plain')
      expect(notification).not.toHaveProperty('Subject')
      expect(notification).not.toHaveProperty('MessageAttributes')
    })

    it('accepts a publish when no queue is subscribed', async (context) => {
      const { topic } = await fresh(context, false)
      const { messageId } = await topic.publish({ message: 'nobody listens' })
      expect(messageId).not.toBe('')
    })

    it('answers ping', async (context) => {
      const { topic } = await fresh(context, false)
      await expect(topic.ping()).resolves.toBeUndefined()
    })
  })
}
