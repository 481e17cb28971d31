import { describe } from 'vitest'
import { awsTestOptions } from '../src/testing.ts'
import { consumeContract } from './consume-contract.ts'
import { openLocalFixture, sqsFixture } from './queue-fixtures.ts'

consumeContract('consume on the local queue', openLocalFixture)

const aws = awsTestOptions()
describe.runIf(aws)('SQS (moto)', () => {
  const options = aws ?? {}
  consumeContract('consume on an SQS queue', sqsFixture(options))
})
