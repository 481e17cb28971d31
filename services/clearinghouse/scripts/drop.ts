// Puts a file into the watched bucket, as a producer would:
//
//   node services/clearinghouse/scripts/drop.ts <file.json> [key]
//
// The bucket is S3_BUCKET (with AWS_REGION / AWS_ENDPOINT_URL), else the local raw bucket that
// `npm start` gives the clearinghouse (.data/buckets/raw). A local bucket is a plain directory, so
// `cp my.json .data/buckets/raw/incoming/` does the same there; this script is for S3, and for a
// large local file it writes a temporary file first so the clearinghouse never reads half of it.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { openObjects } from '@ferry/cloud'

const [file, key] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: node services/clearinghouse/scripts/drop.ts <file.json> [key]\n')
  process.exit(2)
}
const dataDir = resolve(import.meta.dirname, '../../../.data')
// rawBucket in scripts/start/local-paths.ts
const bucket = process.env.S3_BUCKET ?? `file://${join(dataDir, 'buckets', 'raw')}`
const store = openObjects(bucket, {
  aws: { region: process.env.AWS_REGION, endpoint: process.env.AWS_ENDPOINT_URL },
})
const target = key ?? basename(file)
const { size } = await stat(file)
const { etag } = await store.put(target, createReadStream(file), {
  contentType: 'application/json',
  contentLength: size,
})
await store.close()
process.stdout.write(`put ${target} (${size} bytes, etag ${etag}) into ${bucket}\n`)
