import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { devSecret, type LocalContext, type LocalService } from '@ferry/kit/local'

/** `npm start` runs ingest-api here on the embedded default. */
export const port = 3001

export async function localEnv(context: LocalContext): Promise<LocalService> {
  const tokenFile = join(context.dataDir, context.paths.secrets, 'ingest-token')
  const token = devSecret(tokenFile, () => `dev-${randomBytes(12).toString('hex')}`)
  return {
    env: {
      SSM_TOKEN_PARAM: `file://${tokenFile}`,
      SQS_QUEUE_URL: context.local(context.paths.ingestQueue),
    },
    notes: [
      `dev token: ${token}  (in ${tokenFile})`,
      `try: curl -s localhost:${context.port}/ingest -H 'content-type: application/json' -H 'authorization: Bearer ${token}' -d '{"data":{"email_subject":"hi","email_sender":"a@b.c","email_content":"hello","email_timestream":1700000000}}'`,
    ],
  }
}
