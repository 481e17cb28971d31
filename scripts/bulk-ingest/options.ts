import { parseArgs } from 'node:util'

export interface BulkOptions {
  url: string
  token?: string
  concurrency: number
  /** Requests per second at most; undefined = unlimited. */
  rate?: number
  timeoutMs: number
  retries: number
  failedPath?: string
  generate?: number
  file?: string
  selftest: boolean
  /** Force plain periodic lines (also used when stdout is not a TTY). */
  plain: boolean
}

export const USAGE = `Usage: pnpm bulk-ingest -- [FILE.json|FILE.jsonl] [options]

Sends payloads to POST <url>/ingest: a JSON array file, a JSONL file (one data object per line,
streamed), or --generate N synthetic emails.

  --url URL            ingest-api base URL (default http://127.0.0.1:3001)
  --token TOKEN        token (default: $INGEST_TOKEN), sent as Authorization: Bearer
  --generate N         send N synthetic emails instead of a file
  --concurrency N      requests in flight (default 32)
  --rate N             at most N requests per second
  --timeout MS         per-request timeout (default 10000)
  --retries N          retries on 429/5xx/network errors, exponential backoff + jitter (default 5)
  --failed FILE        write the records that finally failed here, as JSONL
  --selftest           send the 14-request check sequence and verify the answers
  --plain              periodic progress lines instead of a progress bar
`

function positiveInt(name: string, raw: string | undefined, fallback?: number): number | undefined {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a whole number ≥ 1, got ${raw}`)
  return n
}

/** Parses the command line; throws an Error whose message names the bad option. */
export function parseOptions(argv: string[], env: Record<string, string | undefined>): BulkOptions {
  const args = argv[0] === '--' ? argv.slice(1) : argv
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      generate: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      timeout: { type: 'string' },
      retries: { type: 'string' },
      failed: { type: 'string' },
      selftest: { type: 'boolean' },
      plain: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) throw new Error(USAGE)
  const generate = positiveInt('generate', values.generate)
  const file = positionals[0]
  if (!values.selftest && generate === undefined && file === undefined) {
    throw new Error(`give a FILE, --generate N or --selftest\n\n${USAGE}`)
  }
  const retries = values.retries === undefined ? 5 : Number(values.retries)
  if (!Number.isInteger(retries) || retries < 0)
    throw new Error(`--retries must be ≥ 0, got ${values.retries}`)
  return {
    url: (values.url ?? 'http://127.0.0.1:3001').replace(/\/+$/, ''),
    token: values.token ?? env.INGEST_TOKEN,
    concurrency: positiveInt('concurrency', values.concurrency, 32) ?? 32,
    rate: positiveInt('rate', values.rate),
    timeoutMs: positiveInt('timeout', values.timeout, 10_000) ?? 10_000,
    retries,
    failedPath: values.failed,
    generate,
    file,
    selftest: values.selftest ?? false,
    plain: values.plain ?? false,
  }
}
