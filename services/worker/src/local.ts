import type { LocalContext, LocalService } from '@ferry/kit'

/** `npm start` runs the worker here on the embedded default. */
export const port = 3002

/** Consumes the queue ingest-api writes to into the local payloads bucket under `.data/`. */
export async function localEnv(context: LocalContext): Promise<LocalService> {
  const bucket = context.local(context.paths.payloadsBucket)
  return {
    env: {
      SQS_QUEUE_URL: context.local(context.paths.ingestQueue),
      S3_BUCKET: bucket,
      // Short polls keep Ctrl-C snappy; the local queue is a directory, polling it costs nothing.
      POLL_WAIT_SECONDS: '2',
      VISIBILITY_TIMEOUT: '30',
    },
    notes: [
      `payloads land in ${bucket.slice('file://'.length)}/emails/… (each file is the JSON written)`,
    ],
  }
}
