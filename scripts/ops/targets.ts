/**
 * Where an operator command (`ferry dlq`, `ferry status`) acts: the embedded default that
 * `npm start` runs (local drivers under `.data/`, or FERRY_DATA_DIR, its ports moved by
 * FERRY_PORT_OFFSET) or a deployed environment on AWS (`--env dev|prod`), and how a queue's name
 * there becomes the setting its driver opens (`file://…` or an SQS URL).
 */
import { join, resolve } from 'node:path'
import { type AwsOptions, sqsQueueUrl } from '@ferry/cloud'
import { LOCAL_PATHS } from '../start/local-paths.ts'

export type Env = Record<string, string | undefined>

/** A target the operator named wrongly: the command says why and exits 2. */
export class TargetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TargetError'
  }
}

export const QUEUE_NAMES = ['ingest', 'events', 's3-events'] as const
export type QueueName = (typeof QUEUE_NAMES)[number]

interface QueueInfo {
  /** Who sends, who consumes. */
  what: string
  /** Its key in infra/terraform/modules/data (var.queues): named `ferry-<env>-<key>` there. */
  terraform: string
  /** Its path under `.data/` on the embedded default; undefined when it exists only on AWS. */
  local: string | undefined
  /** An explicit URL (either target) wins over the name; the services' own SQS_QUEUE_URL is
   * ambiguous (the worker's and the api's), hence a name per queue. */
  urlVar: string
  /** The URL of its dead-letter queue, for `ferry status`; needed when urlVar names SQS. */
  dlqVar: string
}

export const QUEUES: Record<QueueName, QueueInfo> = {
  ingest: {
    what: 'ingest-api → worker',
    terraform: 'ingest',
    local: LOCAL_PATHS.ingestQueue,
    urlVar: 'FERRY_INGEST_QUEUE_URL',
    dlqVar: 'FERRY_INGEST_DLQ_URL',
  },
  events: {
    what: 'events topic → api',
    terraform: 'events',
    local: LOCAL_PATHS.eventsQueue,
    urlVar: 'FERRY_EVENTS_QUEUE_URL',
    dlqVar: 'FERRY_EVENTS_DLQ_URL',
  },
  's3-events': {
    what: 'S3 ObjectCreated → clearinghouse',
    terraform: 'clearinghouse-objects',
    local: undefined,
    urlVar: 'FERRY_S3_EVENTS_QUEUE_URL',
    dlqVar: 'FERRY_S3_EVENTS_DLQ_URL',
  },
}

/**
 * Either way `aws` holds AWS_REGION and AWS_ENDPOINT_URL, for queues named by an SQS URL. `env` is
 * a name `resolveTarget` checked (tests use their own, for their own queues on the emulator).
 */
export type Target =
  | { kind: 'local'; dataDir: string; portOffset: number; aws: AwsOptions }
  | { kind: 'aws'; env: string; aws: AwsOptions }

const root = resolve(import.meta.dirname, '..', '..')

/**
 * The embedded default without `--env` (FERRY_DATA_DIR, FERRY_PORT_OFFSET as for npm start); AWS
 * (AWS_REGION, AWS_ENDPOINT_URL) with dev or prod. Throws TargetError saying what is wrong.
 */
export function resolveTarget(deployment: string | undefined, env: Env): Target {
  const aws = { region: env.AWS_REGION ?? 'us-east-1', endpoint: env.AWS_ENDPOINT_URL }
  if (deployment === undefined) {
    const dataDir = resolve(env.FERRY_DATA_DIR ?? join(root, '.data'))
    const portOffset = Number(env.FERRY_PORT_OFFSET ?? 0)
    if (!Number.isInteger(portOffset)) {
      throw new TargetError('FERRY_PORT_OFFSET is not a whole number')
    }
    return { kind: 'local', dataDir, portOffset, aws }
  }
  // The deployed environments are infra/terraform/envs/<env>: a typo is told at once.
  if (deployment !== 'dev' && deployment !== 'prod') {
    throw new TargetError(`--env must be dev or prod, not ${JSON.stringify(deployment)}`)
  }
  return { kind: 'aws', env: deployment, aws }
}

/** `name` checked against QUEUE_NAMES. */
export function queueName(name: string): QueueName {
  const known = QUEUE_NAMES.find((q) => q === name)
  if (!known) {
    throw new TargetError(`unknown queue ${JSON.stringify(name)}: use ${QUEUE_NAMES.join(', ')}`)
  }
  return known
}

/** The SQS name Terraform (modules/data) gives `queue`; its dead-letter queue's adds `-dlq`. */
export function sqsQueueName(target: Target & { kind: 'aws' }, queue: QueueName): string {
  return `ferry-${target.env}-${QUEUES[queue].terraform}`
}

/** Whether `queue` exists on `target` (s3-events does only on AWS), unless a URL names it. */
export function queueExists(target: Target, queue: QueueName, env: Env): boolean {
  return target.kind === 'aws' || QUEUES[queue].local !== undefined || !!env[QUEUES[queue].urlVar]
}

/**
 * The setting of `queue` on `target`, as a service is configured with it: its explicit URL
 * variable if set, else `file://<data dir>/<path>` or the URL of the SQS queue Terraform named.
 */
export async function queueSetting(target: Target, queue: QueueName, env: Env): Promise<string> {
  const info = QUEUES[queue]
  const explicit = env[info.urlVar]
  if (explicit) return explicit
  if (target.kind === 'aws') {
    return sqsQueueUrl(sqsQueueName(target, queue), { aws: target.aws })
  }
  if (info.local === undefined) {
    throw new TargetError(
      `${queue} exists only on AWS (${info.what}): on the embedded default the clearinghouse ` +
        'lists its bucket and no S3 event queue exists; use --env dev|prod',
    )
  }
  return `file://${join(target.dataDir, info.local)}`
}
