import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDeadLetters, openQueue } from '../src/open.ts'
import {
  awsTestOptions,
  createTestQueue,
  emulateMessageMoveTasks,
  type MoveTaskStandIn,
} from '../src/testing.ts'
import { deadLetter, deadLettersContract } from './dead-letters-contract.ts'
import { openLocalFixture, sqsFixture } from './queue-fixtures.ts'

deadLettersContract('local dead letters', openLocalFixture, (queue) => openDeadLetters(queue.url))

const aws = awsTestOptions()
// moto has no message move tasks: a stand-in answers StartMessageMoveTask and
// ListMessageMoveTasks, moving the messages through moto; every other call reaches moto.
describe.runIf(aws)('SQS dead letters (moto)', () => {
  const options = aws ?? {}
  let moveTasks: MoveTaskStandIn
  beforeAll(() => {
    moveTasks = emulateMessageMoveTasks()
  })
  afterAll(async () => {
    await moveTasks.idle()
    moveTasks.restore()
  })

  deadLettersContract('SQS dead letters', sqsFixture(options), (queue) =>
    openDeadLetters(queue.url, { aws: options }),
  )

  it('starts the move task from the dead-letter queue to the source queue', async () => {
    const created = await createTestQueue(options, { maxReceiveCount: 1 })
    const queue = openQueue(created.url, { aws: options })
    const deadLetters = openDeadLetters(created.url, { aws: options })
    await deadLetter(queue, 1)
    await deadLetters.redrive()
    const task = moveTasks.tasks.find((t) => t.DestinationArn === created.arn)
    expect(task?.SourceArn).toBe(`${created.arn}-dlq`)
    await moveTasks.idle()
    await Promise.all([queue.close(), deadLetters.close()])
    await created.cleanup()
  })

  it('fails with NotFound for a queue without a dead-letter queue', async () => {
    const created = await createTestQueue(options)
    const deadLetters = openDeadLetters(created.url, { aws: options })
    await expect(deadLetters.stats()).rejects.toMatchObject({ code: 'NotFound' })
    await deadLetters.close()
    await created.cleanup()
  })
})
