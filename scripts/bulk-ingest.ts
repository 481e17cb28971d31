// `pnpm bulk-ingest -- <options>`: sends many payloads to ingest-api. See --help.

import { type BulkOptions, parseOptions } from './bulk-ingest/options.ts'
import { formatSummary, progressPrinter } from './bulk-ingest/report.ts'
import { runBulk } from './bulk-ingest/run.ts'
import { runSelftest } from './bulk-ingest/selftest.ts'
import { fromFile, generated } from './bulk-ingest/source.ts'

async function main(options: BulkOptions): Promise<number> {
  if (!options.token) {
    console.error('bulk-ingest: no token: pass --token or set INGEST_TOKEN')
    return 2
  }
  if (options.selftest) {
    const results = await runSelftest(options.url, options.token, options.timeoutMs)
    for (const r of results)
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: expected ${r.expected}, got ${r.got}`)
    const failed = results.filter((r) => !r.ok).length
    console.log(
      failed === 0 ? 'selftest passed' : `selftest FAILED (${failed} of ${results.length})`,
    )
    return failed === 0 ? 0 : 1
  }
  const items =
    options.generate !== undefined ? generated(options.generate) : fromFile(options.file ?? '')
  const tty = Boolean(process.stderr.isTTY) && !options.plain
  const summary = await runBulk(
    items,
    { ...options, onProgress: progressPrinter(process.stderr, tty) },
    options.generate,
  )
  if (tty) process.stderr.write('\n')
  console.log(formatSummary(summary))
  if (summary.failed > 0 && options.failedPath)
    console.log(`failed records written to ${options.failedPath}`)
  return summary.failed > 0 ? 1 : 0
}

try {
  process.exitCode = await main(parseOptions(process.argv.slice(2), process.env))
} catch (error) {
  console.error(`bulk-ingest: ${(error as Error).message}`)
  process.exitCode = 2
}
