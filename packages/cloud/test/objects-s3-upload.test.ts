import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { awsClientConfig } from '../src/aws.ts'
import { type ObjectStore, openObjects } from '../src/index.ts'
import { awsTestOptions, createTestBucket, type TestBucket } from '../src/testing.ts'
import { brokenBody, generated } from './objects-fixtures.ts'

const MiB = 1024 * 1024
const aws = awsTestOptions()

// What S3 keeps of a failed multipart upload is invisible to the port: ask S3 itself.
describe.runIf(aws)('S3 uploads that fail leave no multipart upload behind (moto)', () => {
  let bucket: TestBucket
  let store: ObjectStore
  let s3: S3Client
  beforeAll(async () => {
    const options = aws ?? {}
    bucket = await createTestBucket(options)
    store = openObjects(bucket.name, { aws: options })
    s3 = new S3Client(awsClientConfig(options))
  })
  afterAll(async () => {
    await store?.close()
    s3?.destroy()
    await bucket?.cleanup()
  })
  const openUploads = async (prefix: string) =>
    (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket.name, Prefix: prefix })))
      .Uploads ?? []

  it('aborts the multipart upload of a body over maxBytes', { timeout: 60_000 }, async () => {
    await expect(
      store.upload('mp/too-large', generated(30 * MiB), { maxBytes: 20 * MiB }),
    ).rejects.toMatchObject({ code: 'TooLarge' })
    expect(await openUploads('mp/')).toEqual([])
    expect(await store.head('mp/too-large')).toBeUndefined()
  })

  it('aborts the multipart upload when the signal aborts after some parts', {
    timeout: 60_000,
  }, async () => {
    const controller = new AbortController()
    const body = brokenBody(Buffer.alloc(20 * MiB, 7), 'hang')
    const uploading = store.upload('mp/aborted', body, { signal: controller.signal })
    // Parts are on their way once the multipart upload shows up.
    for (let i = 0; i < 100 && (await openUploads('mp/aborted')).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(await openUploads('mp/aborted')).toHaveLength(1)
    controller.abort()
    await expect(uploading).rejects.toMatchObject({ code: 'InvalidArgument' })
    expect(await openUploads('mp/')).toEqual([])
  })

  it('aborts the multipart upload when the body fails after some parts', {
    timeout: 60_000,
  }, async () => {
    await expect(
      store.upload('mp/broken', brokenBody(Buffer.alloc(20 * MiB, 3), 'fail')),
    ).rejects.toMatchObject({ code: 'InvalidArgument' })
    expect(await openUploads('mp/')).toEqual([])
  })
})
