import {
  GetTopicAttributesCommand,
  type MessageAttributeValue,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns'
import { type AwsOptions, awsClientConfig } from '../aws.ts'
import { CloudDependency, fromSdkError } from '../errors.ts'
import type { Topic } from './topic.ts'

function toSnsAttributes(
  attributes: Record<string, string> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(attributes ?? {})
  if (entries.length === 0) return undefined
  return Object.fromEntries(entries.map(([k, v]) => [k, { DataType: 'String', StringValue: v }]))
}

/** The SNS topic `arn`. */
export function openSnsTopic(arn: string, options: { aws?: AwsOptions }): Topic {
  const client = new SNSClient(awsClientConfig(options.aws))
  return {
    arn,

    async publish(input) {
      try {
        const out = await client.send(
          new PublishCommand({
            TopicArn: arn,
            Message: input.message,
            Subject: input.subject,
            MessageAttributes: toSnsAttributes(input.attributes),
          }),
        )
        return { messageId: out.MessageId ?? '' }
      } catch (error) {
        throw fromSdkError(error, `Publish ${arn}`, CloudDependency.topic)
      }
    },

    async ping() {
      try {
        await client.send(new GetTopicAttributesCommand({ TopicArn: arn }))
      } catch (error) {
        throw fromSdkError(error, `GetTopicAttributes ${arn}`, CloudDependency.topic)
      }
    },

    async close() {
      client.destroy()
    },
  }
}
