import { describe, expect, it } from 'vitest'
import { openSqsQueue } from '../src/queue/sqs.ts'
import { awsTestOptions } from '../src/testing.ts'
import { queueContract } from './queue-contract.ts'
import { openLocalFixture, sqsFixture } from './queue-fixtures.ts'

queueContract('local queue', openLocalFixture)

const aws = awsTestOptions()
describe.runIf(aws)('SQS (moto)', () => {
  const options = aws ?? {}

  queueContract('SQS queue', sqsFixture(options))

  it('fails ping with NotFound for a queue that does not exist', async () => {
    const queue = openSqsQueue(`${options.endpoint}/123456789012/ferry-missing-queue`, {
      aws: options,
    })
    await expect(queue.ping()).rejects.toMatchObject({ name: 'CloudError', code: 'NotFound' })
    await queue.close()
  })
})
