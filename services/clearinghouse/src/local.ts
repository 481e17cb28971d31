import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { devSecret, type LocalContext, type LocalService } from '@ferry/kit/local'

/** `npm start` runs the clearinghouse here on the embedded default. */
export const port = 3003

export async function localEnv(context: LocalContext): Promise<LocalService> {
  // Made up front so the banner's `cp` works as written; any other path in the bucket does too.
  const incoming = join(context.dataDir, context.paths.rawBucket, 'incoming')
  mkdirSync(incoming, { recursive: true })
  const tokenFile = join(context.dataDir, context.paths.secrets, 'operator-token')
  const token = devSecret(tokenFile, () => `dev-operator-${randomBytes(16).toString('hex')}`)
  return {
    env: {
      S3_BUCKET: context.local(context.paths.rawBucket),
      DATABASE_URL: await context.database('clearinghouse'),
      POLL_INTERVAL: '5',
      OPERATOR_TOKEN: token,
    },
    notes: [
      `operator token: ${token}  (in ${tokenFile})`,
      `drop a file: cp my.json ${incoming}/  (any path in the bucket directory)`,
      `then: curl -s localhost:${context.port}/files -H "authorization: Bearer $(cat ${tokenFile})"`,
    ],
  }
}
