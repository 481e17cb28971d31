/**
 * moto (5.2) implements neither StartMessageMoveTask nor ListMessageMoveTasks. While installed,
 * this stand-in answers exactly those two calls of every SQSClient in the process and passes every
 * other call to the emulator unchanged. A task does what SQS documents: it moves the messages of
 * the source queue (a dead-letter queue) to the destination in the background, receiving, sending
 * (body and message attributes) and deleting through the emulator, and reports its progress; one
 * task per source at a time. Test code only.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type ServiceOutputTypes,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs'
import { mockClient } from 'aws-sdk-client-mock'

export interface MoveTaskStandIn {
  /** Every task started, newest last. */
  tasks: ListMessageMoveTasksResultEntry[]
  /** Resolves once no task is running. */
  idle(): Promise<void>
  restore(): void
}

type Send = (this: SQSClient, command: unknown, ...rest: unknown[]) => Promise<ServiceOutputTypes>

export function emulateMessageMoveTasks(options: { batchDelayMs?: number } = {}): MoveTaskStandIn {
  const realSend = SQSClient.prototype.send as unknown as Send
  const mock = mockClient(SQSClient)
  const tasks: ListMessageMoveTasksResultEntry[] = []
  const running = new Set<Promise<void>>()

  const urlOf = async (client: SQSClient, arn: string) => {
    const [, , , , account, name] = arn.split(':')
    const out = (await realSend.call(
      client,
      new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
    )) as { QueueUrl?: string }
    return out.QueueUrl ?? ''
  }

  const run = async (client: SQSClient, task: ListMessageMoveTasksResultEntry) => {
    const from = await urlOf(client, task.SourceArn ?? '')
    const to = await urlOf(client, task.DestinationArn ?? '')
    const attrs = (await realSend.call(
      client,
      new GetQueueAttributesCommand({
        QueueUrl: from,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    )) as { Attributes?: Record<string, string> }
    task.ApproximateNumberOfMessagesToMove = Number(
      attrs.Attributes?.ApproximateNumberOfMessages ?? 0,
    )
    for (;;) {
      const got = (await realSend.call(
        client,
        new ReceiveMessageCommand({
          QueueUrl: from,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
        }),
      )) as { Messages?: { Body?: string; ReceiptHandle?: string; MessageAttributes?: never }[] }
      const messages = got.Messages ?? []
      if (messages.length === 0) break
      const entries = messages.map((m, i) => ({
        Id: String(i),
        MessageBody: m.Body ?? '',
        MessageAttributes: m.MessageAttributes,
      }))
      await realSend.call(client, new SendMessageBatchCommand({ QueueUrl: to, Entries: entries }))
      const handles = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }))
      await realSend.call(
        client,
        new DeleteMessageBatchCommand({ QueueUrl: from, Entries: handles }),
      )
      task.ApproximateNumberOfMessagesMoved =
        (task.ApproximateNumberOfMessagesMoved ?? 0) + messages.length
      if (options.batchDelayMs) await new Promise((r) => setTimeout(r, options.batchDelayMs))
    }
  }

  const start = (client: SQSClient, input: { SourceArn?: string; DestinationArn?: string }) => {
    if (tasks.some((t) => t.SourceArn === input.SourceArn && t.Status === 'RUNNING')) {
      const error = new Error(
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      )
      Object.assign(error, { name: 'UnsupportedOperation', $metadata: { httpStatusCode: 400 } })
      throw error
    }
    const task: ListMessageMoveTasksResultEntry = {
      TaskHandle: `task-${tasks.length + 1}`,
      Status: 'RUNNING',
      SourceArn: input.SourceArn,
      DestinationArn: input.DestinationArn,
      ApproximateNumberOfMessagesMoved: 0,
      StartedTimestamp: Date.now(),
    }
    tasks.push(task)
    const done: Promise<void> = run(client, task).then(
      () => {
        task.Status = 'COMPLETED'
      },
      (error: unknown) => {
        task.Status = 'FAILED'
        task.FailureReason = error instanceof Error ? error.message : String(error)
      },
    )
    running.add(done)
    void done.finally(() => running.delete(done))
    return { $metadata: {}, TaskHandle: task.TaskHandle }
  }

  mock.send.callsFake(async function (this: SQSClient, command: unknown, ...rest: unknown[]) {
    if (command instanceof StartMessageMoveTaskCommand) return start(this, command.input)
    if (command instanceof ListMessageMoveTasksCommand) {
      const mine = tasks.filter((t) => t.SourceArn === command.input.SourceArn).reverse()
      const results = mine.slice(0, command.input.MaxResults ?? 1).map((t) => {
        const { TaskHandle, ...rest } = t
        return t.Status === 'RUNNING' ? t : rest
      })
      return { $metadata: {}, Results: results }
    }
    return realSend.call(this, command, ...rest)
  })

  return {
    tasks,
    async idle() {
      while (running.size > 0) await Promise.all(running)
    },
    restore: () => mock.restore(),
  }
}
