/**
 * Test fixtures for the AWS drivers against an emulator (moto) over real HTTP. Each factory makes
 * uniquely named resources and returns their cleanup. Test code only.
 */
import { randomUUID } from 'node:crypto'
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns'
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { type AwsOptions, awsClientConfig } from './aws.ts'

export * from './testing/standins.ts'

/**
 * The emulator settings from `AWS_ENDPOINT_URL`, or undefined when none is set. Gives the SDK dummy
 * credentials when none are set (emulators accept any). With `FERRY_REQUIRE_AWS=1` (CI) a missing
 * endpoint is an error, so no AWS suite is ever skipped there.
 */
export function awsTestOptions(): AwsOptions | undefined {
  const endpoint = process.env.AWS_ENDPOINT_URL
  if (!endpoint) {
    if (process.env.FERRY_REQUIRE_AWS === '1') {
      throw new Error('FERRY_REQUIRE_AWS=1 but AWS_ENDPOINT_URL is not set: start moto_server')
    }
    return undefined
  }
  process.env.AWS_ACCESS_KEY_ID ??= 'testing'
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing'
  return { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', maxAttempts: 2 }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

export interface TestBucket {
  name: string
  cleanup(): Promise<void>
}

export async function createTestBucket(
  aws: AwsOptions,
  prefix = 'ferry-test',
): Promise<TestBucket> {
  const s3 = new S3Client(awsClientConfig(aws))
  const name = uniqueName(prefix)
  await s3.send(new CreateBucketCommand({ Bucket: name }))
  return {
    name,
    async cleanup() {
      for (;;) {
        const page = await s3.send(new ListObjectVersionsCommand({ Bucket: name }))
        const ids = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
          Key: v.Key ?? '',
          VersionId: v.VersionId,
        }))
        if (ids.length === 0) break
        await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: ids } }))
      }
      await s3.send(new DeleteBucketCommand({ Bucket: name }))
      s3.destroy()
    },
  }
}

export interface TestQueue {
  url: string
  arn: string
  /** Set when the queue was made with a dead-letter queue. */
  dlqUrl?: string
  cleanup(): Promise<void>
}

export async function createTestQueue(
  aws: AwsOptions,
  options: { prefix?: string; visibilityTimeout?: number; maxReceiveCount?: number } = {},
): Promise<TestQueue> {
  const sqs = new SQSClient(awsClientConfig(aws))
  const name = uniqueName(options.prefix ?? 'ferry-test')
  const arnOf = async (url: string) => {
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    )
    return attrs.Attributes?.QueueArn ?? ''
  }
  let dlqUrl: string | undefined
  const attributes: Record<string, string> = {
    VisibilityTimeout: String(options.visibilityTimeout ?? 30),
  }
  if (options.maxReceiveCount !== undefined) {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))
    dlqUrl = dlq.QueueUrl ?? ''
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: await arnOf(dlqUrl),
      maxReceiveCount: options.maxReceiveCount,
    })
  }
  const created = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  )
  const url = created.QueueUrl ?? ''
  const arn = await arnOf(url)
  return {
    url,
    arn,
    ...(dlqUrl ? { dlqUrl } : {}),
    async cleanup() {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: url }))
      if (dlqUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }))
      sqs.destroy()
    },
  }
}

export interface TestTopic {
  arn: string
  cleanup(): Promise<void>
}

/** A topic, subscribed (SQS protocol, raw delivery off) by each queue ARN given. */
export async function createTestTopic(
  aws: AwsOptions,
  queueArns: string[] = [],
): Promise<TestTopic> {
  const sns = new SNSClient(awsClientConfig(aws))
  const created = await sns.send(new CreateTopicCommand({ Name: uniqueName('ferry-test') }))
  const arn = created.TopicArn ?? ''
  for (const endpoint of queueArns) {
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: endpoint }))
  }
  return {
    arn,
    async cleanup() {
      await sns.send(new DeleteTopicCommand({ TopicArn: arn }))
      sns.destroy()
    },
  }
}

export interface TestParameter {
  name: string
  /** Overwrites the value, as an operator rotating the secret would. */
  set(value: string): Promise<void>
  cleanup(): Promise<void>
}

export async function createTestParameter(aws: AwsOptions, value: string): Promise<TestParameter> {
  const ssm = new SSMClient(awsClientConfig(aws))
  const name = `/ferry/test/${uniqueName('token')}`
  const set = async (v: string) => {
    await ssm.send(
      new PutParameterCommand({ Name: name, Value: v, Type: 'SecureString', Overwrite: true }),
    )
  }
  await set(value)
  return {
    name,
    set,
    async cleanup() {
      await ssm.send(new DeleteParameterCommand({ Name: name })).catch(() => undefined)
      ssm.destroy()
    },
  }
}
