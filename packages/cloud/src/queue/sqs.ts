import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { type AwsOptions, awsClientConfig } from '../aws.ts'
import { CloudDependency, CloudError, fromSdkError } from '../errors.ts'
import type { OutgoingMessage, Queue, ReceivedMessage, ReceiveOptions } from './queue.ts'

const MAX_BATCH = 10

function checkBatchSize(count: number, what: string): void {
  if (count > MAX_BATCH) {
    throw new CloudError('InvalidArgument', `${what} takes at most 10 entries, not ${count}`)
  }
}

function toSqsAttributes(
  attributes: Record<string, string> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(attributes ?? {})
  if (entries.length === 0) return undefined
  return Object.fromEntries(entries.map(([k, v]) => [k, { DataType: 'String', StringValue: v }]))
}

function toEntry(message: OutgoingMessage) {
  return {
    Id: message.id,
    MessageBody: message.body,
    MessageAttributes: toSqsAttributes(message.attributes),
    DelaySeconds: message.delaySeconds,
    MessageGroupId: message.groupId,
    MessageDeduplicationId: message.deduplicationId,
  }
}

/** A received SQS message as the port shows it. */
export function fromSqsMessage(message: Message): ReceivedMessage {
  const attributes: Record<string, string> = {}
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = value.StringValue ?? ''
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    sentAt: new Date(Number(message.Attributes?.SentTimestamp ?? Date.now())),
  }
}

/** The SQS queue at `url` (standard or FIFO). Empty send/delete batches resolve without a call. */
export function openSqsQueue(url: string, options: { aws?: AwsOptions }): Queue {
  // No MD5 of every body sent and received: TLS already guards the bytes in transit, and the
  // check was a measurable part of a message's CPU (issue 19).
  const client = new SQSClient({ ...awsClientConfig(options.aws), md5: false })
  const closing = new AbortController()

  const attributes = async (
    names: ('QueueArn' | 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible')[],
  ) => {
    try {
      const out = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }),
      )
      return out.Attributes ?? {}
    } catch (error) {
      throw fromSdkError(error, `GetQueueAttributes ${url}`, CloudDependency.queue)
    }
  }

  const receive = async (receiveOptions: ReceiveOptions = {}) => {
    const signal = receiveOptions.signal
      ? AbortSignal.any([receiveOptions.signal, closing.signal])
      : closing.signal
    if (signal.aborted) return []
    const command = new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: receiveOptions.maxMessages ?? MAX_BATCH,
      WaitTimeSeconds: receiveOptions.waitSeconds ?? 20,
      VisibilityTimeout: receiveOptions.visibilityTimeout,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      MessageAttributeNames: ['All'],
    })
    try {
      const out = await client.send(command, { abortSignal: signal })
      return (out.Messages ?? []).map(fromSqsMessage)
    } catch (error) {
      if (signal.aborted) return []
      throw fromSdkError(error, `ReceiveMessage ${url}`, CloudDependency.queue)
    }
  }

  return {
    url,

    async send(messages) {
      checkBatchSize(messages.length, 'SendMessageBatch')
      if (messages.length === 0) return { successful: [], failed: [] }
      try {
        const out = await client.send(
          new SendMessageBatchCommand({ QueueUrl: url, Entries: messages.map(toEntry) }),
        )
        return {
          successful: (out.Successful ?? []).map((s) => ({
            id: s.Id ?? '',
            messageId: s.MessageId ?? '',
          })),
          failed: (out.Failed ?? []).map((f) => ({
            id: f.Id ?? '',
            code: f.Code ?? 'Unknown',
            message: f.Message ?? f.Code ?? 'failed',
            transient: !f.SenderFault,
          })),
        }
      } catch (error) {
        throw fromSdkError(error, `SendMessageBatch ${url}`, CloudDependency.queue)
      }
    },

    receive,

    async delete(receiptHandles) {
      checkBatchSize(receiptHandles.length, 'DeleteMessageBatch')
      if (receiptHandles.length === 0) return { failed: [] }
      const entries = receiptHandles.map((handle, index) => ({
        Id: String(index),
        ReceiptHandle: handle,
      }))
      try {
        const out = await client.send(
          new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries }),
        )
        return {
          failed: (out.Failed ?? []).map((f) => ({
            receiptHandle: receiptHandles[Number(f.Id)] ?? '',
            message: f.Message ?? f.Code ?? 'failed',
          })),
        }
      } catch (error) {
        throw fromSdkError(error, `DeleteMessageBatch ${url}`, CloudDependency.queue)
      }
    },

    async changeVisibility(receiptHandle, seconds) {
      try {
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds,
          }),
        )
      } catch (error) {
        throw fromSdkError(error, `ChangeMessageVisibility ${url}`, CloudDependency.queue)
      }
    },

    async depth() {
      const out = await attributes([
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
      ])
      return {
        visible: Number(out.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(out.ApproximateNumberOfMessagesNotVisible ?? 0),
      }
    },

    async ping() {
      await attributes(['QueueArn'])
    },

    async close() {
      closing.abort()
      client.destroy()
    },
  }
}
