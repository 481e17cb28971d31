// Child process of record-limit.test.ts: claims and loads the one file of a bucket through the
// service's own path with a record limit, and prints the outcome and its peak RSS growth.
//   node test/record-limit-child.ts <S3_BUCKET> <DATABASE_URL> <MAX_RECORD_BYTES>
import { openObjects } from '@ferry/cloud'
import { connect } from '@ferry/db'
import { claimNext } from '../src/file-log.ts'
import { loadInTransaction } from '../src/load-transaction.ts'
import { syncListing } from '../src/poll.ts'

const [bucket = '', databaseUrl = '', limit = ''] = process.argv.slice(2)
const db = await connect(databaseUrl, { max: 2 })
const store = openObjects(bucket)
try {
  await syncListing(db.sql, store, { bucket: store.name, bucketSetting: bucket, prefix: '' })
  const claim = await claimNext(db.sql, store.name, 'memory-test', {
    leaseSeconds: 600,
    maxAttempts: 5,
  })
  if (!claim) throw new Error('nothing to claim')
  const before = process.resourceUsage().maxRSS
  let outcome: string
  try {
    const result = await loadInTransaction(db.sql, store, claim, {
      signal: new AbortController().signal,
      batch: { recordBytes: Number(limit) },
    })
    outcome = `loaded ${result.records} records`
  } catch (error) {
    outcome = error instanceof Error ? error.message : String(error)
  }
  const growthMb = (process.resourceUsage().maxRSS - before) / 1024
  process.stdout.write(`${JSON.stringify({ outcome, growthMb })}\n`)
} finally {
  await store.close()
  await db.close()
}
