import { describe } from 'vitest'
import { openObjects } from '../src/index.ts'
import { awsTestOptions, createTestBucket } from '../src/testing.ts'
import { objectStoreContract, openLocalFixture } from './objects-contract.ts'

objectStoreContract('local objects', openLocalFixture, { keyAlsoFolder: false })

const aws = awsTestOptions()
describe.runIf(aws)('S3 objects (moto)', () => {
  objectStoreContract(
    'S3 bucket',
    async () => {
      const options = aws ?? {}
      const bucket = await createTestBucket(options)
      return { store: openObjects(bucket.name, { aws: options }), cleanup: () => bucket.cleanup() }
    },
    { keyAlsoFolder: true },
  )
})
