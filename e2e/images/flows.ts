import { randomBytes } from 'node:crypto'
import { type AwsOptions, openObjects } from '@ferry/cloud'
import {
  createTestBucket,
  createTestParameter,
  createTestQueue,
  createTestTopic,
} from '@ferry/cloud/testing'
import { connect } from '@ferry/db'
import { waitFor } from '../src/index.ts'
import { JWT_SECRET, jwt } from '../test/jwt.ts'
import { TOKEN } from '../test/pipeline.ts'

/** The clearinghouse's operator API token for the run (the service refuses to start without one). */
const OPERATOR_TOKEN = `images-operator-${randomBytes(12).toString('hex')}`

/** The moto resources and databases of one smoke run, and each service's settings for them. */
export interface Backends {
  env: Record<string, Record<string, string>>
  payloads: string
  raw: string
  cleanup(): Promise<void>
}

/** A fresh database on the server of `adminUrl` (a URL of an existing database there). */
async function createDatabase(adminUrl: string, name: string) {
  const admin = await connect(adminUrl, { max: 1 })
  await admin.sql.unsafe(`create database "${name}"`)
  await admin.close()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  url.search = ''
  return {
    url: url.toString(),
    async drop() {
      const again = await connect(adminUrl, { max: 1 })
      await again.sql.unsafe(`drop database if exists "${name}" with (force)`)
      await again.close()
    },
  }
}

export async function createBackends(aws: AwsOptions, adminUrl: string): Promise<Backends> {
  const cleanups: (() => Promise<unknown>)[] = []
  const keep = <T extends { cleanup(): Promise<unknown> }>(resource: T) => {
    cleanups.push(resource.cleanup)
    return resource
  }
  const run = randomBytes(4).toString('hex')
  try {
    const ingestQueue = keep(
      await createTestQueue(aws, { prefix: 'ferry-images', maxReceiveCount: 5 }),
    )
    const param = keep(await createTestParameter(aws, TOKEN))
    const payloads = keep(await createTestBucket(aws, 'ferry-images-payloads'))
    const raw = keep(await createTestBucket(aws, 'ferry-images-raw'))
    const documents = keep(await createTestBucket(aws, 'ferry-images-documents'))
    const files = keep(await createTestBucket(aws, 'ferry-images-files'))
    const events = keep(
      await createTestQueue(aws, { prefix: 'ferry-images-events', maxReceiveCount: 5 }),
    )
    const topic = keep(await createTestTopic(aws, [events.arn]))
    const apiDb = await createDatabase(adminUrl, `ferry_images_api_${run}`)
    cleanups.push(apiDb.drop)
    const chDb = await createDatabase(adminUrl, `ferry_images_clearinghouse_${run}`)
    cleanups.push(chDb.drop)
    const common = {
      AWS_ENDPOINT_URL: aws.endpoint ?? '',
      AWS_REGION: aws.region ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
    }
    return {
      env: {
        'ingest-api': { ...common, SSM_TOKEN_PARAM: param.name, SQS_QUEUE_URL: ingestQueue.url },
        worker: {
          ...common,
          SQS_QUEUE_URL: ingestQueue.url,
          S3_BUCKET: payloads.name,
          APP_ENV: 'ci',
          POLL_WAIT_SECONDS: '1',
        },
        clearinghouse: {
          ...common,
          S3_BUCKET: raw.name,
          DATABASE_URL: chDb.url,
          POLL_INTERVAL: '1',
          OPERATOR_TOKEN,
        },
        api: {
          ...common,
          DATABASE_URL: apiDb.url,
          S3_BUCKET_NAME: documents.name,
          FILES_BUCKET: files.name,
          SNS_TOPIC_ARN: topic.arn,
          SQS_QUEUE_URL: events.url,
          JWT_SECRET,
        },
      },
      payloads: payloads.name,
      raw: raw.name,
      cleanup: () => runAll(cleanups),
    }
  } catch (error) {
    await runAll(cleanups)
    throw error
  }
}

async function runAll(cleanups: (() => Promise<unknown>)[]): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
}

async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status) {
    throw new Error(`${what}: ${res.status} ${(await res.text()).slice(0, 300)}`)
  }
  return res
}

/** POST /ingest with the token moto's SSM holds → the worker's object in the payloads bucket. */
export async function ingestFlow(ingestUrl: string, aws: AwsOptions, bucket: string) {
  const res = await fetch(`${ingestUrl}/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      data: {
        email_subject: 'images smoke',
        email_sender: 'ci@example.com',
        email_content: 'from the ingest-api image to the worker image',
        email_timestream: Math.floor(Date.now() / 1000),
      },
    }),
  })
  const { message_id: id } = (await (await expectStatus(res, 200, 'POST /ingest')).json()) as {
    message_id: string
  }
  const objects = openObjects(bucket, { aws })
  try {
    await waitFor(`the worker's object for message ${id}`, async () => {
      const page = await objects.list({ prefix: 'emails/' })
      return page.objects.some((o) => o.key.endsWith(`/${id}.json`))
    })
  } finally {
    await objects.close()
  }
}

/** A JSON file put in the raw bucket → COMPLETED in the clearinghouse's GET /files. */
export async function clearinghouseFlow(url: string, aws: AwsOptions, bucket: string) {
  const objects = openObjects(bucket, { aws })
  const records = [
    { type: 'smoke', n: 1 },
    { type: 'smoke', n: 2 },
  ]
  await objects.put('smoke/records.json', JSON.stringify({ records }), {
    contentType: 'application/json',
  })
  await objects.close()
  type File = { s3_key: string; status: string; record_count: number }
  let last: File[] = []
  await waitFor('smoke/records.json COMPLETED with 2 records', async () => {
    const files = await fetch(`${url}/files`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    })
    const res = await expectStatus(files, 200, 'GET /files')
    last = ((await res.json()) as { files: File[] }).files
    if (last.some((f) => f.status === 'FAILED')) throw new Error(JSON.stringify(last))
    return last.some((f) => f.status === 'COMPLETED' && f.record_count === records.length)
  })
}

/** The api: a user's record, a file uploaded, downloaded again through a presigned URL. */
export async function apiFlow(url: string) {
  const user = `smoke-${randomBytes(4).toString('hex')}`
  const auth = { authorization: `Bearer ${jwt({ sub: user, roles: [] })}` }
  const created = await fetch(`${url}/users/personal`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: user, name: 'Smoke Test', email: 'smoke@example.com' }),
  })
  await expectStatus(created, 201, 'POST /users/personal')
  await expectStatus(await fetch(`${url}/users/${user}`, { headers: auth }), 200, 'GET /users/{id}')
  const content = `ferry image smoke ${user}\n`
  const form = new FormData()
  form.append('file', new Blob([content], { type: 'text/plain' }), 'smoke.txt')
  const upload = await fetch(`${url}/files/upload?folder=smoke`, {
    method: 'POST',
    headers: auth,
    body: form,
  })
  await expectStatus(upload, 201, 'POST /files/upload')
  const presign = await fetch(`${url}/files/presigned-url/smoke/smoke.txt?expires_in=300`, {
    headers: auth,
  })
  const { url: signed } = (await (
    await expectStatus(presign, 200, 'GET /files/presigned-url')
  ).json()) as { url: string }
  const download = await expectStatus(await fetch(signed), 200, 'GET the presigned URL')
  const body = await download.text()
  if (body !== content) throw new Error(`presigned download returned ${JSON.stringify(body)}`)
}
