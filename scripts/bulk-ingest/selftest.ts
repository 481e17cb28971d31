/**
 * The old assignment's 14-request check: 10 valid payloads, then a wrong token, a missing token, a
 * non-numeric email_timestream and a missing email_timestream, expecting 10×200, 403, 401, 400, 422.
 */
export interface SelftestCase {
  name: string
  expected: number
  headers: Record<string, string>
  body: unknown
}

export function selftestCases(token: string): SelftestCase[] {
  const now = Math.floor(Date.now() / 1000)
  const data = (i: number) => ({
    email_subject: `Selftest ${i}`,
    email_sender: 'selftest@example.com',
    email_content: `Selftest payload ${i}`,
    email_timestream: now,
  })
  const auth = { authorization: `Bearer ${token}` }
  const valid = Array.from({ length: 10 }, (_, i) => ({
    name: `valid ${i + 1}`,
    expected: 200,
    headers: auth,
    body: { data: data(i) },
  }))
  const { email_timestream: _, ...noTimestamp } = data(13)
  return [
    ...valid,
    {
      name: 'wrong token',
      expected: 403,
      headers: { authorization: `Bearer ${token}-wrong` },
      body: { data: data(10) },
    },
    { name: 'missing token', expected: 401, headers: {}, body: { data: data(11) } },
    {
      name: 'non-numeric email_timestream',
      expected: 400,
      headers: auth,
      body: { data: { ...data(12), email_timestream: 'abc' } },
    },
    { name: 'missing email_timestream', expected: 422, headers: auth, body: { data: noTimestamp } },
  ]
}

export interface SelftestResult {
  name: string
  expected: number
  got: number | string
  ok: boolean
}

export async function runSelftest(
  url: string,
  token: string,
  timeoutMs: number,
): Promise<SelftestResult[]> {
  const results: SelftestResult[] = []
  for (const c of selftestCases(token)) {
    let got: number | string
    try {
      const res = await fetch(`${url}/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...c.headers },
        body: JSON.stringify(c.body),
        signal: AbortSignal.timeout(timeoutMs),
      })
      await res.arrayBuffer()
      got = res.status
    } catch (error) {
      got = (error as Error).message
    }
    results.push({ name: c.name, expected: c.expected, got, ok: got === c.expected })
  }
  return results
}
