// `node src/servers/queries.ts get|post <database-url> <seconds> <concurrency>`: the api's
// reference — the queries GET /users/{id} and POST /users/personal make (the api's own query
// functions), from a bare postgres.js pool of the api's size, `concurrency` loops back to back.

import { KINDS } from '@ferry/api/users/kinds'
import { findRecords, insertRecord } from '@ferry/api/users/records'
import { connect } from '@ferry/db'
import { BENCH_USER } from '../payload.ts'
import { percentile } from '../report.ts'
import { peakRssMb, printResult } from './child.ts'

async function loop(kind: string, url: string, seconds: number, concurrency: number) {
  const db = await connect(url)
  const latencies: number[] = []
  const deadline = performance.now() + seconds * 1000
  let next = 0
  const once = async () => {
    if (kind === 'get') return findRecords(db.sql, BENCH_USER)
    const user_id = `reference-${process.pid}-${next++}`
    return insertRecord(db.sql, KINDS.personal, { user_id, name: 'Ref', email: 'ref@example.com' })
  }
  const started = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now()
        await once()
        latencies.push(performance.now() - t)
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const { user, system } = process.cpuUsage(cpu)
  await db.close()
  latencies.sort((a, b) => a - b)
  return {
    throughput: latencies.length / elapsed,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    peak_rss_mb: peakRssMb(),
    cpu_us: (user + system) / Math.max(latencies.length, 1),
  }
}

if (import.meta.main) {
  const [kind = 'get', url = '', seconds = '10', concurrency = '64'] = process.argv.slice(2)
  printResult(await loop(kind, url, Number(seconds), Number(concurrency)))
}
