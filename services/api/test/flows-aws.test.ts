import { describe } from 'vitest'
import { describeFlows } from './flows.ts'

describe('on moto (S3, SNS, SQS over HTTP)', () => describeFlows('aws'))
