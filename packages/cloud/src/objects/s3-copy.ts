/**
 * Server-side copies of any size. CopyObject takes sources of at most 5 GiB; past that the copy
 * is a multipart upload whose parts are UploadPartCopy ranges of the source, each pinned to the
 * source's etag so a source replaced midway fails the copy instead of mixing two versions.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  type HeadObjectCommandOutput,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'

/** The largest source CopyObject accepts. */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3
const MIN_PART_BYTES = 512 * 1024 ** 2
const MAX_PARTS = 10_000
const PARTS_IN_FLIGHT = 4

/** `CopySource` is `bucket/key` with each key segment URL-encoded, as S3 requires. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
}

export interface CopyRequest {
  bucket: string
  source: string
  destination: string
  /** The source's HEAD: its size picks the method; its headers go to the copy. */
  head: HeadObjectCommandOutput
  ifNoneMatch?: '*'
}

/** Inclusive byte ranges of at most `partSize` bytes covering `size` bytes, numbered from 1. */
export function partRanges(size: number, partSize: number) {
  const count = Math.ceil(size / partSize)
  return Array.from({ length: count }, (_, i) => ({
    partNumber: i + 1,
    start: i * partSize,
    end: Math.min(size, (i + 1) * partSize) - 1,
  }))
}

/** Runs `fn` over `items`, `limit` at a time; after the first failure starts no more. */
async function eachUntilFailure<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length)
  let next = 0
  let failed = false
  const worker = async () => {
    for (let i = next++; i < items.length && !failed; i = next++) {
      try {
        results[i] = await fn(items[i] as T)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  const settled = await Promise.allSettled(Array.from({ length: limit }, worker))
  const rejected = settled.find((s) => s.status === 'rejected')
  if (rejected) throw rejected.reason
  return results
}

async function multipartCopy(client: S3Client, request: CopyRequest): Promise<string> {
  const { bucket, source, destination, head } = request
  const size = head.ContentLength ?? 0
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: destination,
      ContentType: head.ContentType,
      ContentEncoding: head.ContentEncoding,
      ContentDisposition: head.ContentDisposition,
      ContentLanguage: head.ContentLanguage,
      CacheControl: head.CacheControl,
      Metadata: head.Metadata,
    }),
  )
  const uploadId = created.UploadId
  try {
    const ranges = partRanges(size, Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS)))
    // Every worker has stopped before the upload is completed or aborted.
    const parts = await eachUntilFailure(ranges, PARTS_IN_FLIGHT, async (range) => {
      const out = await client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: destination,
          UploadId: uploadId,
          PartNumber: range.partNumber,
          CopySource: copySource(bucket, source),
          CopySourceRange: `bytes=${range.start}-${range.end}`,
          CopySourceIfMatch: head.ETag,
        }),
      )
      return { PartNumber: range.partNumber, ETag: out.CopyPartResult?.ETag }
    })
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: destination,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        IfNoneMatch: request.ifNoneMatch,
      }),
    )
    return done.ETag ?? ''
  } catch (error) {
    const abort = { Bucket: bucket, Key: destination, UploadId: uploadId }
    try {
      await client.send(new AbortMultipartUploadCommand(abort))
    } catch {
      // The copy's own error says more; a bucket lifecycle rule removes what is left.
    }
    throw error
  }
}

/** Copies with CopyObject up to 5 GiB, else part by part. Returns the new object's etag. */
export async function copyObject(client: S3Client, request: CopyRequest): Promise<string> {
  if ((request.head.ContentLength ?? 0) > MAX_SINGLE_COPY_BYTES) {
    return multipartCopy(client, request)
  }
  const out = await client.send(
    new CopyObjectCommand({
      Bucket: request.bucket,
      Key: request.destination,
      CopySource: copySource(request.bucket, request.source),
      IfNoneMatch: request.ifNoneMatch,
    }),
  )
  return out.CopyObjectResult?.ETag ?? ''
}
