import { join } from 'node:path'
import { LOCAL_PATHS, type LocalContext, type LocalService } from '@ferry/kit'

/** `npm start` runs the clearinghouse here on the embedded default. */
export const port = 3003

export async function localEnv(context: LocalContext): Promise<LocalService> {
  return {
    env: {
      S3_BUCKET: context.local(LOCAL_PATHS.rawBucket),
      DATABASE_URL: await context.database('clearinghouse'),
      POLL_INTERVAL: '5',
    },
    notes: [
      `drop a file: cp my.json ${join(context.dataDir, LOCAL_PATHS.rawBucket, 'incoming')}/  (any path in the bucket directory)`,
      `then: curl -s localhost:${context.port}/files`,
    ],
  }
}
