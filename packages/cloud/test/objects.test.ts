import { describe, expect, it } from 'vitest'
import { openObjects } from '../src/index.ts'
import { awsTestOptions, createTestBucket } from '../src/testing.ts'
import { objectStoreContract } from './objects-contract.ts'
import { openLocalFixture } from './objects-fixtures.ts'

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

  describe('presignEndpoint', () => {
    // The same moto under another host name: what the host sees of LocalStack under compose.
    const inside = new URL(aws?.endpoint ?? 'http://127.0.0.1')
    const outside = new URL(inside)
    outside.hostname = inside.hostname === 'localhost' ? '127.0.0.1' : 'localhost'

    it('points presigned GET and POST URLs at it, and they work from there', async () => {
      const bucket = await createTestBucket(aws ?? {})
      const store = openObjects(bucket.name, { aws, presignEndpoint: outside.origin })
      try {
        await store.put('public/a.txt', 'seen from outside')
        const get = new URL(await store.presignGet('public/a.txt', 60))
        expect(get.origin).toBe(outside.origin)
        expect(get.pathname).toBe(`/${bucket.name}/public/a.txt`)
        expect(get.searchParams.get('X-Amz-SignedHeaders')).toBe('host')
        expect(await (await fetch(get)).text()).toBe('seen from outside')
        const post = await store.presignPost('public/b.txt', { expiresInSeconds: 60, maxBytes: 10 })
        expect(new URL(post.url).origin).toBe(outside.origin)
      } finally {
        await store.close()
        await bucket.cleanup()
      }
    })

    it('presigns for the service endpoint when it is unset', async () => {
      const bucket = await createTestBucket(aws ?? {})
      const store = openObjects(bucket.name, { aws })
      try {
        expect(new URL(await store.presignGet('x', 60)).origin).toBe(inside.origin)
      } finally {
        await store.close()
        await bucket.cleanup()
      }
    })
  })
})
