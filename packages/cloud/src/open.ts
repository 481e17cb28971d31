/**
 * The setting picks the driver: a `file://` URL opens the local driver, anything else the AWS one.
 * A service never checks a mode flag.
 */
import type { AwsOptions } from './aws.ts'
import { isLocalUrl, parseLocalUrl } from './local-url.ts'
import { type LocalObjectsOptions, openLocalObjects } from './objects/local/driver.ts'
import { openS3Objects } from './objects/s3.ts'
import type { ObjectStore } from './objects/store.ts'
import type { DeadLetters } from './queue/dead-letters.ts'
import { openLocalDeadLetters } from './queue/local/dead-letters.ts'
import { openLocalQueue } from './queue/local/driver.ts'
import type { Queue } from './queue/queue.ts'
import { openSqsQueue } from './queue/sqs.ts'
import { openSqsDeadLetters } from './queue/sqs-dead-letters.ts'
import { openFileSecret } from './secrets/local.ts'
import type { Secret } from './secrets/secret.ts'
import { openSsmSecret } from './secrets/ssm.ts'
import { openLocalTopic } from './topic/local.ts'
import { openSnsTopic } from './topic/sns.ts'
import type { Topic } from './topic/topic.ts'

export interface CloudOptions {
  aws?: AwsOptions
}

function intParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name)
  if (raw === null) return undefined
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${raw} is not a whole number`)
  return value
}

/**
 * `S3_BUCKET=<bucket>` or `file://<dir>`. `presignEndpoint` applies to a bucket (see
 * S3ObjectsOptions), `local` to a directory.
 */
export function openObjects(
  setting: string,
  options: CloudOptions & { local?: LocalObjectsOptions; presignEndpoint?: string } = {},
): ObjectStore {
  if (isLocalUrl(setting)) return openLocalObjects(parseLocalUrl(setting).path, options.local ?? {})
  return openS3Objects(setting, { aws: options.aws, presignEndpoint: options.presignEndpoint })
}

/**
 * `SQS_QUEUE_URL=https://…` or `file://<dir>[?maxReceiveCount=5&visibilityTimeout=30]`; the
 * local queue's dead letters go to `<dir>/dead-letter`, itself a local queue.
 */
export function openQueue(setting: string, options: CloudOptions = {}): Queue {
  if (isLocalUrl(setting)) {
    const { path, params } = parseLocalUrl(setting)
    return openLocalQueue(path, {
      maxReceiveCount: intParam(params, 'maxReceiveCount'),
      visibilityTimeout: intParam(params, 'visibilityTimeout'),
    })
  }
  return openSqsQueue(setting, { aws: options.aws })
}

/**
 * The dead letters of the queue `setting` names (as for openQueue): SQS finds the dead-letter
 * queue in the queue's RedrivePolicy; a local queue keeps them in `<dir>/dead-letter`.
 */
export function openDeadLetters(setting: string, options: CloudOptions = {}): DeadLetters {
  if (isLocalUrl(setting)) return openLocalDeadLetters(parseLocalUrl(setting).path)
  return openSqsDeadLetters(setting, { aws: options.aws })
}

/** `SNS_TOPIC_ARN=arn:aws:sns:…` or `file://<dir>` (subscriptions listed in the directory). */
export function openTopic(setting: string, options: CloudOptions = {}): Topic {
  if (isLocalUrl(setting)) return openLocalTopic(parseLocalUrl(setting).path)
  return openSnsTopic(setting, { aws: options.aws })
}

/** `SSM_TOKEN_PARAM=/ferry/<env>/name` or `file://<path>`, cached for `ttlSeconds`. */
export function openSecret(
  setting: string,
  options: CloudOptions & { ttlSeconds: number },
): Secret {
  if (isLocalUrl(setting)) {
    return openFileSecret(parseLocalUrl(setting).path, { ttlSeconds: options.ttlSeconds })
  }
  return openSsmSecret(setting, { ttlSeconds: options.ttlSeconds, aws: options.aws })
}
