/**
 * Test fixtures for the AWS drivers against an emulator (moto) over real HTTP. Each factory makes
 * uniquely named resources and returns their cleanup. Test code only.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import { subscribeLocalQueue } from './topic/local.ts'

export { emulateMessageMoveTasks, type MoveTaskStandIn } from './testing/move-tasks.ts'
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

export type TestResourceKind = 'aws' | 'local'

/** The kinds a behaviour suite runs on: both when an emulator is configured, else local only. */
export function testResourceKinds(): TestResourceKind[] {
  return awsTestOptions() ? ['aws', 'local'] : ['local']
}

/**
 * Fresh resources for one test on the emulator ('aws') or in a temporary directory ('local'),
 * each factory returning the setting a service is configured with; `cleanup` removes them all.
 */
export interface TestResources {
  kind: TestResourceKind
  /** The emulator's settings for the drivers; undefined for 'local'. */
  aws: AwsOptions | undefined
  /** The environment a child process needs to reach them (AWS_* for 'aws', nothing for 'local'). */
  env: Record<string, string>
  /** A bucket: its S3 name, or a `file://` URL. */
  bucket(label?: string): Promise<string>
  /** A queue, and its dead-letter queue when `maxReceiveCount` is set. */
  queue(options?: {
    visibilityTimeout?: number
    maxReceiveCount?: number
  }): Promise<{ url: string; deadLetters?: string }>
  /** A topic delivering to the queues (URLs `queue()` returned). */
  topic(queueUrls?: string[]): Promise<string>
  /** A secret holding `value`: an SSM SecureString, or a file. */
  parameter(value: string): Promise<TestParameter>
  cleanup(): Promise<void>
}

export async function openTestResources(kind: TestResourceKind): Promise<TestResources> {
  const cleanups: (() => Promise<void>)[] = []
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  }
  if (kind === 'local') {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-test-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const path = (label: string) => join(dir, uniqueName(label))
    return {
      kind,
      aws: undefined,
      env: {},
      bucket: async (label = 'bucket') => `file://${path(label)}`,
      async queue(options = {}) {
        const queueDir = path('queue')
        const params = new URLSearchParams()
        for (const [name, value] of Object.entries(options)) {
          if (value !== undefined) params.set(name, String(value))
        }
        const url = `file://${queueDir}${params.size ? `?${params}` : ''}`
        if (options.maxReceiveCount === undefined) return { url }
        return { url, deadLetters: `file://${join(queueDir, 'dead-letter')}` }
      },
      async topic(queueUrls = []) {
        const topicDir = path('topic')
        for (const url of queueUrls) await subscribeLocalQueue(topicDir, url)
        return `file://${topicDir}`
      },
      async parameter(value) {
        const file = path('secret')
        const set = (v: string) => writeFile(file, v)
        await set(value)
        return { name: `file://${file}`, set, cleanup: () => rm(file, { force: true }) }
      },
      cleanup,
    }
  }
  const aws = awsTestOptions()
  if (!aws) throw new Error('AWS_ENDPOINT_URL is not set: start moto_server')
  const arns = new Map<string, string>()
  const made = async <T extends { cleanup(): Promise<void> }>(resource: Promise<T>) => {
    const r = await resource
    cleanups.push(() => r.cleanup())
    return r
  }
  return {
    kind,
    aws,
    env: {
      AWS_ENDPOINT_URL: aws.endpoint ?? '',
      AWS_REGION: aws.region ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
    },
    bucket: async (label = 'ferry-test') => (await made(createTestBucket(aws, label))).name,
    async queue(options = {}) {
      const q = await made(createTestQueue(aws, options))
      arns.set(q.url, q.arn)
      return q.dlqUrl ? { url: q.url, deadLetters: q.dlqUrl } : { url: q.url }
    },
    async topic(queueUrls = []) {
      const queueArns = queueUrls.map((url) => arns.get(url) ?? url)
      return (await made(createTestTopic(aws, queueArns))).arn
    },
    parameter: (value) => made(createTestParameter(aws, value)),
    cleanup,
  }
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

/**
 * A queue named `name` (a test that reads queues by the names Terraform gives them passes one it
 * made unique) or `<prefix>-<random>`; with `maxReceiveCount`, its dead-letter queue `<name>-dlq`.
 */
export async function createTestQueue(
  aws: AwsOptions,
  options: {
    name?: string
    prefix?: string
    visibilityTimeout?: number
    maxReceiveCount?: number
  } = {},
): Promise<TestQueue> {
  const sqs = new SQSClient(awsClientConfig(aws))
  const name = options.name ?? uniqueName(options.prefix ?? 'ferry-test')
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
