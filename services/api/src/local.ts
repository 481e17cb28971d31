import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { subscribeLocalQueue } from '@ferry/cloud'
import { LOCAL_PATHS, type LocalContext, type LocalService } from '@ferry/kit'
import { signHs256 } from './tokens.ts'

/** `npm start` runs the api here on the embedded default. */
export const port = 3000

const DEV_TOKEN_SECONDS = 30 * 24 * 3600

function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${text}\n`, { mode: 0o600 })
}

/** Reads the dev signing key, making a random one on first start. */
function devSecret(path: string): string {
  if (!existsSync(path)) writePrivate(path, randomBytes(32).toString('hex'))
  return readFileSync(path, 'utf8').trim()
}

export async function localEnv(context: LocalContext): Promise<LocalService> {
  const secrets = join(context.dataDir, LOCAL_PATHS.secrets)
  const secret = devSecret(join(secrets, 'jwt-secret'))
  const queue = context.local(LOCAL_PATHS.eventsQueue)
  await subscribeLocalQueue(join(context.dataDir, LOCAL_PATHS.eventsTopic), queue)
  const admin = signHs256({ sub: 'dev-admin', roles: ['admin'] }, secret, DEV_TOKEN_SECONDS)
  const user = signHs256({ sub: 'dev-user', roles: [] }, secret, DEV_TOKEN_SECONDS)
  const adminFile = join(secrets, 'api-admin-token')
  const userFile = join(secrets, 'api-user-token')
  writePrivate(adminFile, admin)
  writePrivate(userFile, user)
  return {
    env: {
      DATABASE_URL: `pglite://${join(context.dataDir, LOCAL_PATHS.databases, 'api')}`,
      S3_BUCKET_NAME: context.local(LOCAL_PATHS.documentsBucket),
      SNS_TOPIC_ARN: context.local(LOCAL_PATHS.eventsTopic),
      SQS_QUEUE_URL: queue,
      FILES_BUCKET: context.local(LOCAL_PATHS.filesBucket),
      PUBLIC_URL: `http://localhost:${port}`,
      PRESIGN_SECRET: devSecret(join(secrets, 'presign-secret')),
      JWT_SECRET: secret,
    },
    notes: [
      `dev admin token (sub dev-admin, role admin, 30 days; in ${adminFile}):`,
      `  ${admin}`,
      `dev user token (sub dev-user, so files tenant dev-user; 30 days; in ${userFile}):`,
      `  ${user}`,
      `try: curl -s localhost:${port}/users/personal -H 'content-type: application/json' -H "authorization: Bearer $(cat ${userFile})" -d '{"user_id":"dev-user","name":"Dev User","email":"dev@example.com"}'`,
    ],
  }
}
