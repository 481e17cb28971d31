import { join } from 'node:path'
import { subscribeLocalQueue } from '@ferry/cloud/topic/local'
import { devSecret, type LocalContext, type LocalService, writePrivate } from '@ferry/kit/local'
import { signHs256 } from './jwt.ts'

/** `npm start` runs the api here on the embedded default. */
export const port = 3000

const DEV_TOKEN_SECONDS = 30 * 24 * 3600

export async function localEnv(context: LocalContext): Promise<LocalService> {
  const secrets = join(context.dataDir, context.paths.secrets)
  const secret = devSecret(join(secrets, 'jwt-secret'))
  const queue = context.local(context.paths.eventsQueue)
  await subscribeLocalQueue(join(context.dataDir, context.paths.eventsTopic), queue)
  const admin = signHs256({ sub: 'dev-admin', roles: ['admin'] }, secret, DEV_TOKEN_SECONDS)
  const user = signHs256({ sub: 'dev-user', roles: [] }, secret, DEV_TOKEN_SECONDS)
  const adminFile = join(secrets, 'api-admin-token')
  const userFile = join(secrets, 'api-user-token')
  writePrivate(adminFile, admin)
  writePrivate(userFile, user)
  return {
    env: {
      DATABASE_URL: await context.database('api'),
      S3_BUCKET_NAME: context.local(context.paths.documentsBucket),
      SNS_TOPIC_ARN: context.local(context.paths.eventsTopic),
      SQS_QUEUE_URL: queue,
      FILES_BUCKET: context.local(context.paths.filesBucket),
      PRESIGN_SECRET: devSecret(join(secrets, 'presign-secret')),
      JWT_SECRET: secret,
    },
    notes: [
      `dev admin token (sub dev-admin, role admin, 30 days; in ${adminFile}):`,
      `  ${admin}`,
      `dev user token (sub dev-user, so files tenant dev-user; 30 days; in ${userFile}):`,
      `  ${user}`,
      `try: curl -s localhost:${context.port}/users/personal -H 'content-type: application/json' -H "authorization: Bearer $(cat ${userFile})" -d '{"user_id":"dev-user","name":"Dev User","email":"dev@example.com"}'`,
    ],
  }
}
