// The clearinghouse on the server path: its own main.ts in a process of its own at the default
// LOG_LEVEL, watching a bucket of the AWS stand-in (another process) through its S3 driver, the
// AWS SDK over HTTP, and loading into a fresh schema of DATABASE_URL. The bench puts the file in
// the bucket and times it from there to the file's status COMPLETED in file_processing_log.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { connect } from '@ferry/db'
import { IMAGE_NODE_FLAGS, serviceMain, startProcess } from './real-process.ts'
import { awsEnv, type Calls, type Standin } from './standin/client.ts'

export const BUCKET = 'clearinghouse-bench'
export const KEY = 'bench/records.json'
/** The service's listing interval, in seconds: the file waits at most this long to be seen. */
export const POLL_INTERVAL = 0.1
const OPERATOR_TOKEN = 'bench-operator-token-0123456789'
const DEADLINE_MS = 15 * 60_000

export interface ServicePathResult {
  records: number
  bytes: number
  /** From the object's put to its status COMPLETED. */
  seconds: number
  /** From the service's spawn to the object's put (what a profile of the load leaves out). */
  idleSeconds: number
  /** The service process's CPU time over those seconds. */
  cpuSeconds: number
  idleRssMb: number | null
  peakRssMb: number | null
  /** The stand-in's requests by operation over those seconds. */
  calls: Calls
  logFile: string
}

/** A fresh schema on the server of `databaseUrl`, the URL of a connection that uses it, and its drop. */
async function freshSchema(databaseUrl: string) {
  const schema = `bench_${randomBytes(4).toString('hex')}`
  const server = new URL(databaseUrl)
  server.search = ''
  const admin = await connect(server.toString(), { max: 1 })
  await admin.sql`create schema ${admin.sql(schema)}`
  const url = new URL(server)
  url.searchParams.set('search_path', schema)
  return {
    schema,
    url: url.toString(),
    sql: admin.sql,
    drop: async () => {
      await admin.sql`drop schema if exists ${admin.sql(schema)} cascade`
      await admin.close()
    },
  }
}

/**
 * Starts the clearinghouse's main.ts on `standin`'s bucket and a fresh schema, puts `body` (a file
 * of `records` records) in the bucket once it is idle, and waits for the file to be COMPLETED.
 * Throws if the file fails, or if its record count or the rows stored are not `records`.
 * `nodeArgs` go to the service's node (e.g. --cpu-prof); `script` is what it runs, by default the
 * service bundled as its image runs it (with the image's node flags).
 */
export async function loadThroughService(
  standin: Standin,
  databaseUrl: string,
  body: Buffer,
  records: number,
  nodeArgs: string[] = [],
  script?: string,
): Promise<ServicePathResult> {
  const db = await freshSchema(databaseUrl)
  const { sql } = db
  // postgres.js quotes each part of a dotted identifier.
  const log = sql(`${db.schema}.file_processing_log`)
  const data = sql(`${db.schema}.processed_data`)
  try {
    const spawned = performance.now()
    const service = await startProcess(
      'clearinghouse',
      script ?? (await serviceMain('clearinghouse')),
      {
        ...awsEnv(standin.endpoint),
        S3_BUCKET: BUCKET,
        DATABASE_URL: db.url,
        POLL_INTERVAL: String(POLL_INTERVAL),
        OPERATOR_TOKEN,
      },
      script ? nodeArgs : [...IMAGE_NODE_FLAGS, ...nodeArgs],
    )
    try {
      // Idle: migrated, listing an empty bucket every poll interval.
      await sleep(1000)
      const idleRssMb = service.rssMb()
      // The clock starts once the stand-in holds the object: the service may list it before the
      // seed's answer arrives, so nothing else comes between them.
      await standin.reset()
      const cpu = service.cpuSeconds()
      await standin.seed(BUCKET, KEY, body)
      const started = performance.now()
      const deadline = Date.now() + DEADLINE_MS
      for (;;) {
        const [row] = await sql<{ status: string; error_message: string | null }[]>`
          select status, error_message from ${log} where s3_key = ${KEY}`
        if (row?.status === 'COMPLETED') break
        if (row?.status === 'FAILED') throw new Error(`the file failed: ${row.error_message}`)
        if (Date.now() > deadline) throw new Error(`not COMPLETED after ${DEADLINE_MS} ms`)
        await sleep(20)
      }
      const seconds = (performance.now() - started) / 1000
      const cpuSeconds = service.cpuSeconds() - cpu
      const peakRssMb = service.peakRssMb()
      const calls = await standin.calls()
      const [file] = await sql<{ id: number; record_count: number; file_size: string }[]>`
        select id, record_count, file_size from ${log} where s3_key = ${KEY}`
      const [stored] = await sql<{ n: string }[]>`
        select count(*) as n from ${data} where file_log_id = ${file?.id ?? 0}`
      if (file?.record_count !== records || Number(stored?.n) !== records) {
        throw new Error(
          `expected ${records} records, the log says ${file?.record_count}, ${stored?.n} stored`,
        )
      }
      return {
        records,
        bytes: Number(file.file_size),
        seconds,
        idleSeconds: (started - spawned) / 1000,
        cpuSeconds,
        idleRssMb,
        peakRssMb,
        calls,
        logFile: service.logFile,
      }
    } finally {
      await service.stop()
    }
  } finally {
    await db.drop()
  }
}
