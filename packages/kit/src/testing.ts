import { Writable } from 'node:stream'

/** A log sink for tests: pass `stream` as `logger.stream`, then read what was logged. */
export interface CapturedLogs {
  stream: Writable
  /** Every line logged so far, parsed as JSON. */
  lines(): Record<string, unknown>[]
  /** Everything logged so far, raw. */
  text(): string
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString())
      done()
    },
  })
  const text = () => chunks.join('')
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { stream, lines, text }
}
