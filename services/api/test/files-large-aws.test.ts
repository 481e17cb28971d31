import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3'
import { awsClientConfig } from '@ferry/cloud'
import { afterAll, describe } from 'vitest'
import { describeLargeFiles } from './files-large.ts'
import { requireAws } from './helpers.ts'

describe('large /files work on moto (S3 over HTTP)', () => {
  const s3 = new S3Client(awsClientConfig(requireAws()))
  afterAll(() => s3.destroy())
  describeLargeFiles('aws', {
    openUploads: async (app, prefix) => {
      const out = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: app.files.name, Prefix: prefix }),
      )
      return out.Uploads ?? []
    },
  })
})
