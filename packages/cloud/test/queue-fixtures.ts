import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AwsOptions } from '../src/aws.ts'
import { openLocalQueue } from '../src/queue/local/driver.ts'
import type { Queue } from '../src/queue/queue.ts'
import { openSqsQueue } from '../src/queue/sqs.ts'
import { createTestQueue } from '../src/testing.ts'
import type { OpenQueue, QueueFixture } from './queue-contract.ts'

/** A local queue in a new directory (its dead-letter queue beside it), removed on cleanup. */
export const openLocalFixture: OpenQueue = async (options) => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-queue-'))
  const queue = openLocalQueue(dir, options)
  const dlq = options.maxReceiveCount ? openLocalQueue(join(dir, 'dead-letter'), {}) : undefined
  return queueFixture(queue, dlq, () => rm(dir, { recursive: true, force: true }))
}

/** A new SQS queue (and dead-letter queue) on the emulator, deleted on cleanup. */
export function sqsFixture(aws: AwsOptions): OpenQueue {
  return async (queueOptions) => {
    const created = await createTestQueue(aws, queueOptions)
    const queue = openSqsQueue(created.url, { aws })
    const dlq = created.dlqUrl ? openSqsQueue(created.dlqUrl, { aws }) : undefined
    return queueFixture(queue, dlq, () => created.cleanup())
  }
}

/** `queue` and its dead-letter queue as a fixture whose cleanup closes both, then runs `dispose`. */
export function queueFixture(
  queue: Queue,
  dlq: Queue | undefined,
  dispose: () => Promise<unknown> = async () => undefined,
): QueueFixture {
  return {
    queue,
    ...(dlq ? { dlq } : {}),
    async cleanup() {
      await queue.close()
      await dlq?.close()
      await dispose()
    },
  }
}
