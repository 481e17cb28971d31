import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { devSecret, type LocalContext, type LocalService } from '@ferry/kit/local'

/** `npm start` runs the worker here on the embedded default. */
export const port = 3002

/** Consumes the queue ingest-api writes to into the local payloads bucket under `.data/`. */
export async function localEnv(context: LocalContext): Promise<LocalService> {
  const bucket = context.local(context.paths.payloadsBucket)
  const tokenFile = join(context.dataDir, context.paths.secrets, 'worker-operator-token')
  const token = devSecret(tokenFile, () => `dev-operator-${randomBytes(16).toString('hex')}`)
  return {
    env: {
      SQS_QUEUE_URL: context.local(context.paths.ingestQueue),
      S3_BUCKET: bucket,
      // Short polls keep Ctrl-C snappy; the local queue is a directory, polling it costs nothing.
      POLL_WAIT_SECONDS: '2',
      VISIBILITY_TIMEOUT: '30',
      OPERATOR_TOKEN: token,
    },
    notes: [
      `payloads land in ${bucket.slice('file://'.length)}/emails/… (each file is the JSON written)`,
      `dead letters: pnpm ferry dlq list, or curl -s localhost:${context.port}/dlq -H "authorization: Bearer $(cat ${tokenFile})"`,
    ],
  }
}
