/**
 * The multipart copy path for sources over 5 GiB, which moto cannot hold: the S3 client is
 * mocked and the test checks the requests the driver makes.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openObjects } from '../src/index.ts'
import { MAX_SINGLE_COPY_BYTES, partRanges } from '../src/objects/s3-copy.ts'

const GiB = 1024 ** 3
const aws = { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', maxAttempts: 1 }

describe('S3 copy of objects over 5 GiB', () => {
  let s3: ReturnType<typeof mockClient>
  beforeEach(() => {
    process.env.AWS_ACCESS_KEY_ID ??= 'testing'
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing'
    s3 = mockClient(S3Client)
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' })
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({
      CopyPartResult: { ETag: `"part-${input.PartNumber}"` },
    }))
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"whole-12"' })
    s3.on(AbortMultipartUploadCommand).resolves({})
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"single"' } })
  })
  afterEach(() => s3.restore())

  const sourceOf = (size: number) =>
    s3.on(HeadObjectCommand, { Key: 'big/source.bin' }).resolves({
      ContentLength: size,
      ETag: '"source-etag"',
      ContentType: 'video/mp4',
      Metadata: { tenant_id: 't1' },
    })
  const store = () => openObjects('bucket', { aws })

  it('copies a 6 GiB object in parts that cover every byte once, in order', async () => {
    const size = 6 * GiB + 17
    sourceOf(size)
    expect(await store().copy('big/source.bin', 'big/copy.bin')).toEqual({ etag: '"whole-12"' })
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0)
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'bucket',
      Key: 'big/copy.bin',
      ContentType: 'video/mp4',
      Metadata: { tenant_id: 't1' },
    })
    const parts = s3
      .commandCalls(UploadPartCopyCommand)
      .map((call) => call.args[0].input)
      .sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0))
    let next = 0
    for (const [i, part] of parts.entries()) {
      expect(part).toMatchObject({
        PartNumber: i + 1,
        UploadId: 'upload-1',
        CopySource: 'bucket/big/source.bin',
        CopySourceIfMatch: '"source-etag"',
      })
      const [start, end] = (part.CopySourceRange ?? '').replace('bytes=', '').split('-')
      expect(Number(start)).toBe(next)
      next = Number(end) + 1
    }
    expect(next).toBe(size)
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input
    expect(complete?.MultipartUpload?.Parts).toEqual(
      parts.map((p) => ({ PartNumber: p.PartNumber, ETag: `"part-${p.PartNumber}"` })),
    )
  })

  it('copies an object of exactly 5 GiB with one CopyObject', async () => {
    sourceOf(MAX_SINGLE_COPY_BYTES)
    expect(await store().copy('big/source.bin', 'big/copy.bin')).toEqual({ etag: '"single"' })
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0)
  })

  it('aborts the upload and fails when a part cannot be copied', async () => {
    sourceOf(8 * GiB)
    s3.on(UploadPartCopyCommand, { PartNumber: 3 }).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    )
    await expect(store().copy('big/source.bin', 'big/copy.bin')).rejects.toMatchObject({
      code: 'PreconditionFailed',
    })
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0)
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Key: 'big/copy.bin',
      UploadId: 'upload-1',
    })
  })

  it('completes with If-None-Match when asked not to overwrite', async () => {
    sourceOf(6 * GiB)
    s3.on(HeadObjectCommand, { Key: 'big/new.bin' }).rejects(
      Object.assign(new Error('NotFound'), {
        name: 'NotFound',
        $metadata: { httpStatusCode: 404 },
      }),
    )
    await store().copy('big/source.bin', 'big/new.bin', { ifNoneMatch: '*' })
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      IfNoneMatch: '*',
    })
  })

  it('copies the largest object S3 holds (5 TiB) in at most 10,000 parts', async () => {
    sourceOf(5 * 1024 * GiB)
    await store().copy('big/source.bin', 'big/copy.bin')
    const parts = s3.commandCalls(UploadPartCopyCommand).length
    expect(parts).toBeLessThanOrEqual(10_000)
    expect(parts).toBeGreaterThan(9_000)
  })

  it('numbers parts from 1 with inclusive ranges, the last one short', () => {
    expect(partRanges(10, 4)).toEqual([
      { partNumber: 1, start: 0, end: 3 },
      { partNumber: 2, start: 4, end: 7 },
      { partNumber: 3, start: 8, end: 9 },
    ])
  })
})
