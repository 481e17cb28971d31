// The HTTP load generator: autocannon in the bench process, the server in its own.
import autocannon from 'autocannon'

export interface HttpLoad {
  /** Mean requests per second over the run. */
  rps: number
  p50_ms: number
  p99_ms: number
  total: number
  /** Answers other than 2xx, and connection errors and timeouts. */
  failures: number
}

export type LoadOptions = Omit<autocannon.Options, 'url' | 'connections' | 'duration'>

/** `connections` clients sending back to back for `seconds`. */
export async function hammer(
  url: string,
  connections: number,
  seconds: number,
  options: LoadOptions = {},
): Promise<HttpLoad> {
  const result = await autocannon({ url, connections, duration: seconds, ...options })
  return {
    rps: result.requests.average,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    total: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  }
}
