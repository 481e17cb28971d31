import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe } from 'vitest'
import { openLocalQueue } from '../src/queue/local/driver.ts'
import { openSqsQueue } from '../src/queue/sqs.ts'
import { awsTestOptions, createTestQueue } from '../src/testing.ts'
import { consumeContract } from './consume-contract.ts'

consumeContract('consume on the local queue', async (options) => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-consume-'))
  const queue = openLocalQueue(dir, options)
  const dlq = options.maxReceiveCount ? openLocalQueue(join(dir, 'dead-letter'), {}) : undefined
  return {
    queue,
    ...(dlq ? { dlq } : {}),
    async cleanup() {
      await queue.close()
      await dlq?.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
})

const aws = awsTestOptions()
describe.runIf(aws)('SQS (moto)', () => {
  const options = aws ?? {}
  consumeContract('consume on an SQS queue', async (queueOptions) => {
    const created = await createTestQueue(options, queueOptions)
    const queue = openSqsQueue(created.url, { aws: options })
    const dlq = created.dlqUrl ? openSqsQueue(created.dlqUrl, { aws: options }) : undefined
    return {
      queue,
      ...(dlq ? { dlq } : {}),
      async cleanup() {
        await queue.close()
        await dlq?.close()
        await created.cleanup()
      },
    }
  })
})
