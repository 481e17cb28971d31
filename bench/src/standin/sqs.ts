// The SQS part of the bench's AWS stand-in: standard queues in memory, spoken in the JSON
// protocol the SDK uses (`x-amz-target: AmazonSQS.<Operation>`). Queues exist on first mention.
// What it keeps: bodies, message attributes, receive counts, visibility and long polls; what it
// leaves out: dead-letter moves, FIFO, delays, permissions.
import { createHash, randomUUID } from 'node:crypto'

interface Message {
  id: string
  body: string
  md5: string
  attributes: Record<string, unknown> | undefined
  sentAt: number
  receives: number
  /** Current lease; a receive makes a new one. */
  handle: string
  visibleAt: number
}

interface Waiter {
  max: number
  visibilityMs: number
  resolve: (messages: Message[]) => void
}

interface QueueState {
  ready: Message[]
  inFlight: Map<string, Message>
  waiters: Waiter[]
}

export class SqsError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

type Input = Record<string, unknown> & { QueueUrl?: string }

const md5 = (text: string) => createHash('md5').update(text).digest('hex')

/** An SQS in memory; `handle(operation, input)` answers one request's JSON. */
export function createSqs() {
  const queues = new Map<string, QueueState>()
  const queueOf = (url: unknown): QueueState => {
    const name =
      String(url ?? '')
        .split('/')
        .pop() ?? ''
    let queue = queues.get(name)
    if (!queue) {
      queue = { ready: [], inFlight: new Map(), waiters: [] }
      queues.set(name, queue)
    }
    return queue
  }

  /** Leases up to `max` ready messages, expired leases first returning to the ready list. */
  const lease = (queue: QueueState, max: number, visibilityMs: number): Message[] => {
    const now = Date.now()
    for (const [handle, m] of queue.inFlight) {
      if (m.visibleAt <= now) {
        queue.inFlight.delete(handle)
        queue.ready.push(m)
      }
    }
    const taken = queue.ready.splice(0, max)
    for (const m of taken) {
      m.receives += 1
      m.handle = randomUUID()
      m.visibleAt = now + visibilityMs
      queue.inFlight.set(m.handle, m)
    }
    return taken
  }

  const enqueue = (queue: QueueState, entry: Input): Message => {
    const body = String(entry.MessageBody ?? '')
    const message: Message = {
      id: randomUUID(),
      body,
      md5: md5(body),
      attributes: entry.MessageAttributes as Record<string, unknown> | undefined,
      sentAt: Date.now(),
      receives: 0,
      handle: '',
      visibleAt: 0,
    }
    queue.ready.push(message)
    while (queue.waiters.length > 0 && queue.ready.length > 0) {
      const waiter = queue.waiters.shift()
      waiter?.resolve(lease(queue, waiter.max, waiter.visibilityMs))
    }
    return message
  }

  const render = (m: Message) => ({
    MessageId: m.id,
    ReceiptHandle: m.handle,
    MD5OfBody: m.md5,
    Body: m.body,
    Attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: String(m.sentAt) },
    ...(m.attributes ? { MessageAttributes: m.attributes } : {}),
  })

  const receive = async (input: Input) => {
    const queue = queueOf(input.QueueUrl)
    const max = Number(input.MaxNumberOfMessages ?? 1)
    const visibilityMs = Number(input.VisibilityTimeout ?? 30) * 1000
    let messages = lease(queue, max, visibilityMs)
    const waitMs = Number(input.WaitTimeSeconds ?? 0) * 1000
    if (messages.length === 0 && waitMs > 0) {
      messages = await new Promise<Message[]>((resolve) => {
        const waiter: Waiter = { max, visibilityMs, resolve }
        queue.waiters.push(waiter)
        setTimeout(() => {
          const at = queue.waiters.indexOf(waiter)
          if (at === -1) return
          queue.waiters.splice(at, 1)
          resolve(lease(queue, max, visibilityMs))
        }, waitMs)
      })
    }
    return { Messages: messages.map(render) }
  }

  const deleteOne = (queue: QueueState, handle: string) => {
    if (!queue.inFlight.delete(handle)) {
      throw new SqsError('ReceiptHandleIsInvalid', `receipt handle ${handle} is not current`)
    }
  }

  const changeVisibility = (queue: QueueState, handle: string, seconds: number) => {
    const m = queue.inFlight.get(handle)
    if (!m) throw new SqsError('ReceiptHandleIsInvalid', `receipt handle ${handle} is not current`)
    m.visibleAt = Date.now() + seconds * 1000
  }

  /** Runs `one` per entry of a batch, reporting each entry's outcome as SQS does. */
  const batch = (input: Input, one: (entry: Input) => object) => {
    const Successful: object[] = []
    const Failed: object[] = []
    for (const entry of (input.Entries ?? []) as Input[]) {
      try {
        Successful.push({ Id: entry.Id, ...one(entry) })
      } catch (error) {
        const code = error instanceof SqsError ? error.code : 'InternalError'
        Failed.push({ Id: entry.Id, Code: code, Message: String(error), SenderFault: true })
      }
    }
    return { Successful, Failed }
  }

  const operations: Record<string, (input: Input) => object | Promise<object>> = {
    GetQueueUrl: (input) => ({ QueueUrl: `http://sqs.standin/000000000000/${input.QueueName}` }),
    CreateQueue: (input) => ({ QueueUrl: `http://sqs.standin/000000000000/${input.QueueName}` }),
    GetQueueAttributes: (input) => {
      const queue = queueOf(input.QueueUrl)
      const name = String(input.QueueUrl).split('/').pop()
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(queue.ready.length),
          ApproximateNumberOfMessagesNotVisible: String(queue.inFlight.size),
          QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
        },
      }
    },
    SendMessage: (input) => {
      const m = enqueue(queueOf(input.QueueUrl), input)
      return { MessageId: m.id, MD5OfMessageBody: m.md5 }
    },
    SendMessageBatch: (input) => {
      const queue = queueOf(input.QueueUrl)
      return batch(input, (entry) => {
        const m = enqueue(queue, entry)
        return { MessageId: m.id, MD5OfMessageBody: m.md5 }
      })
    },
    ReceiveMessage: receive,
    DeleteMessage: (input) => {
      deleteOne(queueOf(input.QueueUrl), String(input.ReceiptHandle))
      return {}
    },
    DeleteMessageBatch: (input) => {
      const queue = queueOf(input.QueueUrl)
      return batch(input, (entry) => {
        deleteOne(queue, String(entry.ReceiptHandle))
        return {}
      })
    },
    ChangeMessageVisibility: (input) => {
      const queue = queueOf(input.QueueUrl)
      changeVisibility(queue, String(input.ReceiptHandle), Number(input.VisibilityTimeout))
      return {}
    },
    ChangeMessageVisibilityBatch: (input) => {
      const queue = queueOf(input.QueueUrl)
      return batch(input, (entry) => {
        changeVisibility(queue, String(entry.ReceiptHandle), Number(entry.VisibilityTimeout))
        return {}
      })
    },
    PurgeQueue: (input) => {
      const queue = queueOf(input.QueueUrl)
      queue.ready.length = 0
      queue.inFlight.clear()
      return {}
    },
  }

  return {
    /** The answer to one operation; throws SqsError for what SQS refuses. */
    async handle(operation: string, input: Input): Promise<object> {
      const run = operations[operation]
      if (!run) throw new SqsError('InvalidAction', `the stand-in has no SQS ${operation}`)
      return run(input)
    },
    /** Queues `bodies` as sent messages (a benchmark's backlog), without a request each. */
    fill(name: string, bodies: string[]): void {
      const queue = queueOf(name)
      for (const body of bodies) enqueue(queue, { MessageBody: body })
    },
    /** Messages left in a queue (ready and in flight). */
    depth(name: string): number {
      const queue = queues.get(name)
      return queue ? queue.ready.length + queue.inFlight.size : 0
    },
  }
}
