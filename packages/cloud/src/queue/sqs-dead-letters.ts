/**
 * The dead letters of an SQS queue: the dead-letter queue is the one its RedrivePolicy names.
 * Redriving all is SQS's own message move task; everything else is receives, sends and deletes.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs'
import { type AwsOptions, awsClientConfig } from '../aws.ts'
import { CloudDependency, CloudError, fromSdkError } from '../errors.ts'
import type { DeadLetters, RedriveResult, RedriveTaskStatus } from './dead-letters.ts'
import { peekMax } from './dead-letters.ts'
import { fromSqsMessage } from './sqs.ts'

/** Seconds a peeked or scanned message stays hidden if this process dies before releasing it. */
const HOLD_SECONDS = 20

interface Resolved {
  sourceArn: string
  dlqArn: string
  dlqUrl: string
}

function chunks<T>(items: T[], size = 10): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The dead letters of the SQS queue at `sourceUrl`. */
export function openSqsDeadLetters(sourceUrl: string, options: { aws?: AwsOptions }): DeadLetters {
  const client = new SQSClient(awsClientConfig(options.aws))
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      throw fromSdkError(error, what, CloudDependency.queue)
    }
  }

  let resolving: Promise<Resolved> | undefined
  const resolve = async (): Promise<Resolved> => {
    const attrs = await call(`GetQueueAttributes ${sourceUrl}`, () =>
      client.send(
        new GetQueueAttributesCommand({
          QueueUrl: sourceUrl,
          AttributeNames: ['QueueArn', 'RedrivePolicy'],
        }),
      ),
    )
    const policy = attrs.Attributes?.RedrivePolicy
    const dlqArn = policy
      ? (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
      : undefined
    if (!dlqArn) {
      throw new CloudError('NotFound', `${sourceUrl} has no dead-letter queue (no RedrivePolicy)`)
    }
    // arn:aws:sqs:<region>:<account>:<name>
    const [, , , , account, name] = dlqArn.split(':')
    const out = await call(`GetQueueUrl ${dlqArn}`, () =>
      client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })),
    )
    return { sourceArn: attrs.Attributes?.QueueArn ?? '', dlqArn, dlqUrl: out.QueueUrl ?? '' }
  }
  const resolved = () => {
    resolving ??= resolve().catch((error: unknown) => {
      resolving = undefined
      throw error
    })
    return resolving
  }

  const receive = async (dlqUrl: string, max: number, visibility: number) => {
    const out = await call(`ReceiveMessage ${dlqUrl}`, () =>
      client.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: Math.min(max, 10),
          WaitTimeSeconds: 1,
          VisibilityTimeout: visibility,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          MessageAttributeNames: ['All'],
        }),
      ),
    )
    return out.Messages ?? []
  }

  /** Receives (held HOLD_SECONDS) until `max` distinct messages or a receive brings nothing new. */
  const scan = async (dlqUrl: string, max: number, enough: (seen: Message[]) => boolean) => {
    const seen = new Map<string, Message>()
    while (seen.size < max) {
      const got = await receive(dlqUrl, max - seen.size, HOLD_SECONDS)
      const fresh = got.filter((m) => !seen.has(m.MessageId ?? ''))
      for (const m of got) seen.set(m.MessageId ?? '', m)
      if (fresh.length === 0 || enough([...seen.values()])) break
    }
    return [...seen.values()]
  }

  /** Makes held messages visible again (best effort: they come back after HOLD_SECONDS anyway). */
  const release = async (dlqUrl: string, messages: Message[]) => {
    for (const batch of chunks(messages)) {
      const entries = batch.map((m, i) => ({
        Id: String(i),
        ReceiptHandle: m.ReceiptHandle ?? '',
        VisibilityTimeout: 0,
      }))
      await call(`ChangeMessageVisibilityBatch ${dlqUrl}`, () =>
        client.send(
          new ChangeMessageVisibilityBatchCommand({ QueueUrl: dlqUrl, Entries: entries }),
        ),
      )
    }
  }

  /** Sends `messages` to the source, then deletes from the DLQ exactly those the source took. */
  const moveSelected = async (dlqUrl: string, messages: Message[], result: RedriveResult) => {
    for (const batch of chunks(messages)) {
      const entries = batch.map((m, i) => ({
        Id: String(i),
        MessageBody: m.Body ?? '',
        MessageAttributes: m.MessageAttributes,
      }))
      const sent = await call(`SendMessageBatch ${sourceUrl}`, () =>
        client.send(new SendMessageBatchCommand({ QueueUrl: sourceUrl, Entries: entries })),
      )
      for (const f of sent.Failed ?? []) {
        const messageId = batch[Number(f.Id)]?.MessageId ?? ''
        result.failed.push({ messageId, message: f.Message ?? f.Code ?? 'failed' })
      }
      const taken = (sent.Successful ?? []).map((s) => batch[Number(s.Id)] as Message)
      if (taken.length === 0) continue
      const deletes = taken.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' }))
      await call(`DeleteMessageBatch ${dlqUrl}`, () =>
        client.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: deletes })),
      )
      result.moved.push(...taken.map((m) => m.MessageId ?? ''))
    }
  }

  const redriveSelected = async (messageIds: string[]): Promise<RedriveResult> => {
    const { dlqUrl } = await resolved()
    const wanted = new Set(messageIds)
    const result: RedriveResult = { status: 'COMPLETED', moved: [], notFound: [], failed: [] }
    const hasAll = (seen: Message[]) =>
      seen.filter((m) => wanted.has(m.MessageId ?? '')).length === wanted.size
    const seen = await scan(dlqUrl, Number.POSITIVE_INFINITY, hasAll)
    const chosen = seen.filter((m) => wanted.has(m.MessageId ?? ''))
    try {
      await moveSelected(dlqUrl, chosen, result)
    } finally {
      const moved = new Set(result.moved)
      await release(
        dlqUrl,
        seen.filter((m) => !moved.has(m.MessageId ?? '')),
      )
    }
    const found = new Set(chosen.map((m) => m.MessageId))
    result.notFound = messageIds.filter((id) => !found.has(id))
    return result
  }

  return {
    source: sourceUrl,

    async stats() {
      const { dlqUrl } = await resolved()
      const out = await call(`GetQueueAttributes ${dlqUrl}`, () =>
        client.send(
          new GetQueueAttributesCommand({
            QueueUrl: dlqUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
            ],
          }),
        ),
      )
      const depth = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0)
      const inFlight = Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
      const sample = depth > 0 ? await receive(dlqUrl, 10, 0) : []
      const sent = sample.map((m) => fromSqsMessage(m).sentAt.getTime())
      const oldestSentAt = sent.length > 0 ? new Date(Math.min(...sent)) : undefined
      return { depth, inFlight, oldestSentAt }
    },

    async peek(peekOptions = {}) {
      const max = peekMax(peekOptions.max)
      const { dlqUrl } = await resolved()
      const seen = await scan(dlqUrl, max, () => false)
      await release(dlqUrl, seen)
      return seen.map((m) => {
        const { messageId, body, attributes, receiveCount, sentAt } = fromSqsMessage(m)
        return { messageId, body, attributes, receiveCount, sentAt }
      })
    },

    async redrive(redriveOptions = {}) {
      if (redriveOptions.messageIds) return redriveSelected(redriveOptions.messageIds)
      const { dlqArn, sourceArn } = await resolved()
      await call(`StartMessageMoveTask ${dlqArn}`, () =>
        client.send(
          new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: sourceArn }),
        ),
      )
      return { status: 'RUNNING', moved: [], notFound: [], failed: [] }
    },

    async redriveStatus() {
      const { dlqArn } = await resolved()
      const out = await call(`ListMessageMoveTasks ${dlqArn}`, () =>
        client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 1 })),
      )
      const task = out.Results?.[0]
      if (!task) return undefined
      return {
        status: (task.Status ?? 'RUNNING') as RedriveTaskStatus,
        moved: task.ApproximateNumberOfMessagesMoved ?? 0,
        toMove: task.ApproximateNumberOfMessagesToMove,
        startedAt: new Date(task.StartedTimestamp ?? 0),
        ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
      }
    },

    async close() {
      client.destroy()
    },
  }
}
