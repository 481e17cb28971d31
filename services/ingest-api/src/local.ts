import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LOCAL_PATHS, type LocalContext, type LocalService } from '@ferry/kit'

/** `npm start` runs ingest-api here on the embedded default. */
export const port = 3001

/** Reads the dev token, making a random one on first start. */
function devToken(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, `dev-${randomBytes(12).toString('hex')}\n`, { mode: 0o600 })
  }
  return readFileSync(path, 'utf8').trim()
}

export async function localEnv(context: LocalContext): Promise<LocalService> {
  const tokenFile = join(context.dataDir, LOCAL_PATHS.secrets, 'ingest-token')
  const token = devToken(tokenFile)
  return {
    env: {
      SSM_TOKEN_PARAM: `file://${tokenFile}`,
      SQS_QUEUE_URL: context.local(LOCAL_PATHS.ingestQueue),
    },
    notes: [
      `dev token: ${token}  (in ${tokenFile})`,
      `try: curl -s localhost:${port}/ingest -H 'content-type: application/json' -H 'authorization: Bearer ${token}' -d '{"data":{"email_subject":"hi","email_sender":"a@b.c","email_content":"hello","email_timestream":1700000000}}'`,
    ],
  }
}
