/** What became of one record after its retries. */
export interface Outcome {
  status: number | 'network' | 'timeout'
  ok: boolean
  attempts: number
  /** Milliseconds of the last attempt. */
  latencyMs: number
  detail?: string
}

export interface SendOptions {
  url: string
  token?: string
  timeoutMs: number
  retries: number
  /** For tests: the base of the exponential backoff, default 200 ms. */
  backoffMs?: number
}

const RETRYABLE = (status: number) => status === 429 || status >= 500

function backoff(attempt: number, baseMs: number, retryAfter: string | null): number {
  const hinted = retryAfter !== null ? Number(retryAfter) * 1000 : Number.NaN
  const exp = Math.min(baseMs * 2 ** attempt, 30_000)
  const jittered = exp / 2 + Math.random() * (exp / 2)
  return Number.isFinite(hinted) ? Math.max(hinted, jittered) : jittered
}

/**
 * POSTs one payload with its Idempotency-Key, retrying 429, 5xx, network errors and timeouts with
 * exponential backoff and jitter (honouring Retry-After). 4xx other than 429 is final at once.
 */
export async function sendOne(data: unknown, key: string, options: SendOptions): Promise<Outcome> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'idempotency-key': key,
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  const body = JSON.stringify({ data })
  for (let attempt = 0; ; attempt++) {
    const started = performance.now()
    let outcome: Outcome
    let retryAfter: string | null = null
    try {
      const res = await fetch(`${options.url}/ingest`, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      })
      const text = await res.text()
      retryAfter = res.headers.get('retry-after')
      outcome = {
        status: res.status,
        ok: res.ok,
        attempts: attempt + 1,
        latencyMs: performance.now() - started,
      }
      if (!res.ok) outcome.detail = detailOf(text)
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError'
      outcome = {
        status: timeout ? 'timeout' : 'network',
        ok: false,
        attempts: attempt + 1,
        latencyMs: performance.now() - started,
        detail: (error as Error).message,
      }
    }
    const retryable = typeof outcome.status !== 'number' || RETRYABLE(outcome.status)
    if (outcome.ok || !retryable || attempt >= options.retries) return outcome
    await new Promise((r) => setTimeout(r, backoff(attempt, options.backoffMs ?? 200, retryAfter)))
  }
}

function detailOf(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown }
    return typeof body.detail === 'string' ? body.detail : text.slice(0, 200)
  } catch {
    return text.slice(0, 200)
  }
}
