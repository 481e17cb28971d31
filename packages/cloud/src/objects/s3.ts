import type { Readable } from 'node:stream'
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { type AwsOptions, awsClientConfig } from '../aws.ts'
import { attachmentFor } from '../disposition.ts'
import { CloudDependency, CloudError, fromSdkError, isCloudError } from '../errors.ts'
import { copyObject } from './s3-copy.ts'
import type { ListPage, ObjectInfo, ObjectStore, PutOptions, UploadOptions } from './store.ts'
import { meterBody } from './upload.ts'

/**
 * An upload holds at most PART_BYTES × (PARTS_IN_FLIGHT + 1) of its body in memory: the parts
 * being sent and the one being filled.
 */
const PART_BYTES = 8 * 1024 * 1024
const PARTS_IN_FLIGHT = 2

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

function rangeHeader(range: { start: number; end?: number } | undefined): string | undefined {
  return range ? `bytes=${range.start}-${range.end ?? ''}` : undefined
}

function infoOf(key: string, out: Omit<GetObjectCommandOutput, 'Body'>): ObjectInfo {
  return {
    key,
    size: out.ContentLength ?? 0,
    etag: out.ETag ?? '',
    lastModified: out.LastModified ?? new Date(0),
    ...(out.ContentType ? { contentType: out.ContentType } : {}),
    metadata: out.Metadata ?? {},
  }
}

/** Options of {@link openS3Objects}. */
export interface S3ObjectsOptions {
  aws?: AwsOptions
  /**
   * Where presigned URLs point, when their users reach S3 elsewhere than this service does
   * (docker-compose: the host reaches LocalStack on localhost:4566, the containers on
   * localstack:4566). The URLs are signed for that host; every other call uses `aws.endpoint`.
   */
  presignEndpoint?: string
}

/** An S3 bucket. Every SDK error leaves through `fromSdkError`. */
export function openS3Objects(bucket: string, options: S3ObjectsOptions): ObjectStore {
  const client = new S3Client(awsClientConfig(options.aws))
  const presigner = options.presignEndpoint
    ? new S3Client(awsClientConfig({ ...options.aws, endpoint: options.presignEndpoint }))
    : client
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      throw fromSdkError(error, `${what} ${bucket}`, CloudDependency.bucket)
    }
  }

  const head = (key: string) =>
    call(`HeadObject ${key} in`, async () => {
      try {
        return infoOf(key, await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))
      } catch (error) {
        if (isCloudError(fromSdkError(error, 'HeadObject'), 'NotFound')) return undefined
        throw error
      }
    })

  const put = (key: string, body: Buffer | string | Readable, opts: PutOptions = {}) =>
    call(`PutObject ${key} in`, async () => {
      // A stream of unknown length is buffered: PutObject needs a length. Large uploads belong
      // to lib-storage (multipart), not to this port.
      const payload =
        typeof body === 'string' || Buffer.isBuffer(body) || opts.contentLength !== undefined
          ? body
          : await readAll(body)
      const length =
        typeof payload === 'string' || Buffer.isBuffer(payload)
          ? Buffer.byteLength(payload)
          : opts.contentLength
      const out = await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: payload,
          ContentType: opts.contentType,
          Metadata: opts.metadata,
          IfNoneMatch: opts.ifNoneMatch,
          IfMatch: opts.ifMatch,
          ChecksumAlgorithm: opts.checksum,
          ContentLength: length,
        }),
      )
      return { etag: out.ETag ?? '' }
    })

  /**
   * lib-storage settles `done()` only after every part in flight finished and, on failure, after
   * it aborted the multipart upload; the size limit and the signal act through the body so that
   * this holds for them too (its own abort would settle first and abort the upload later).
   */
  const upload = (key: string, body: Readable, opts: UploadOptions = {}) =>
    call(`Upload ${key} to`, async () => {
      const metered = meterBody(body, opts)
      try {
        const out = await new Upload({
          client,
          params: {
            Bucket: bucket,
            Key: key,
            Body: metered.stream,
            ContentType: opts.contentType,
            Metadata: opts.metadata,
          },
          partSize: PART_BYTES,
          queueSize: PARTS_IN_FLIGHT,
          leavePartsOnError: false,
        }).done()
        return { etag: out.ETag ?? '', size: metered.size() }
      } catch (error) {
        metered.destroy()
        throw metered.failure() ?? error
      }
    })

  const headRaw = (key: string) =>
    client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch((error: unknown) => {
      if (isCloudError(fromSdkError(error, 'HeadObject'), 'NotFound')) return undefined
      throw error
    })

  return {
    name: bucket,
    put,
    head,
    upload,

    get: (key, opts = {}) =>
      call(`GetObject ${key} in`, async () => {
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: rangeHeader(opts.range) }),
        )
        return {
          ...infoOf(key, out),
          body: out.Body as Readable,
          ...(out.ContentRange ? { contentRange: out.ContentRange } : {}),
        }
      }),

    getBuffer: (key) =>
      call(`GetObject ${key} in`, async () => {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array()
        return { body: Buffer.from(bytes), info: infoOf(key, out) }
      }),

    list: (opts = {}) =>
      call('ListObjectsV2', async (): Promise<ListPage> => {
        const out = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: opts.prefix,
            Delimiter: opts.delimiter,
            MaxKeys: opts.limit ?? 1000,
            ContinuationToken: opts.cursor,
          }),
        )
        return {
          objects: (out.Contents ?? []).map((o) => ({
            key: o.Key ?? '',
            size: o.Size ?? 0,
            etag: o.ETag ?? '',
            lastModified: o.LastModified ?? new Date(0),
            metadata: {},
          })),
          prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
          ...(out.IsTruncated && out.NextContinuationToken
            ? { nextCursor: out.NextContinuationToken }
            : {}),
        }
      }),

    delete: (keys) =>
      call('DeleteObjects', async () => {
        if (keys.length === 0) return { deleted: [], errors: [] }
        if (keys.length > 1000) {
          throw new CloudError('InvalidArgument', `DeleteObjects ${bucket}: more than 1000 keys`)
        }
        const out = await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false },
          }),
        )
        return {
          deleted: (out.Deleted ?? []).map((d) => d.Key ?? ''),
          errors: (out.Errors ?? []).map((e) => ({
            key: e.Key ?? '',
            message: `${e.Code ?? 'Error'}: ${e.Message ?? ''}`,
          })),
        }
      }),

    copy: (source, destination, opts = {}) =>
      call(`CopyObject ${source} to ${destination} in`, async () => {
        // S3 enforces `If-None-Match: *` on CopyObject atomically; moto ignores the header, so
        // a HEAD checks first. Against moto a writer racing between HEAD and copy can still be
        // overwritten; against S3 the header closes that window.
        const [sourceHead, existing] = await Promise.all([
          headRaw(source),
          opts.ifNoneMatch ? headRaw(destination) : undefined,
        ])
        if (!sourceHead) throw new CloudError('NotFound', `CopyObject: ${source} does not exist`)
        if (existing)
          throw new CloudError('PreconditionFailed', `CopyObject: ${destination} exists`)
        const etag = await copyObject(client, {
          bucket,
          source,
          destination,
          head: sourceHead,
          ifNoneMatch: opts.ifNoneMatch,
        })
        return { etag }
      }),

    presignGet: (key, expiresInSeconds) =>
      call(`presign GetObject ${key} in`, () =>
        getSignedUrl(
          presigner,
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ResponseContentDisposition: attachmentFor(key),
          }),
          { expiresIn: expiresInSeconds },
        ),
      ),

    presignPost: (key, opts) =>
      call(`presign POST ${key} in`, () =>
        createPresignedPost(presigner, {
          Bucket: bucket,
          Key: key,
          Conditions: [
            ['eq', '$key', key],
            ['content-length-range', 0, opts.maxBytes],
          ],
          Expires: opts.expiresInSeconds,
        }),
      ),

    ping: () =>
      call('HeadBucket', async () => {
        await client.send(new HeadBucketCommand({ Bucket: bucket }))
      }),

    close: async () => {
      client.destroy()
      presigner.destroy()
    },
  }
}
