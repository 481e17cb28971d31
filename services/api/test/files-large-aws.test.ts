import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3'
import { awsClientConfig } from '@ferry/cloud'
import { describe } from 'vitest'
import { describeLargeFiles } from './files-large.ts'

describe('large /files work on moto (S3 over HTTP)', () => {
  describeLargeFiles('aws', {
    openUploads: async (app, prefix) => {
      const s3 = new S3Client(awsClientConfig(app.aws))
      try {
        const out = await s3.send(
          new ListMultipartUploadsCommand({ Bucket: app.files.name, Prefix: prefix }),
        )
        return out.Uploads ?? []
      } finally {
        s3.destroy()
      }
    },
  })
})
