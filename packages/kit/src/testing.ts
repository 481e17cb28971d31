import { Writable } from 'node:stream'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { startTracing, type Tracing } from './tracing.ts'

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

/** A label value as written, from its escaped form in the text format. */
const unescapeLabel = (value: string) => value.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))

/**
 * The value of the sample `name` with exactly `labels` in `text`, a /metrics answer (Prometheus
 * text format); undefined when there is none. A histogram's samples are `<name>_bucket` (with
 * `le`), `<name>_sum` and `<name>_count`.
 */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string | number> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => [label, String(value)])
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const found = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)]
    if (found.length !== wanted.length) continue
    const byName = new Map(found.map(([, label, value]) => [label, unescapeLabel(value ?? '')]))
    if (wanted.every(([label, value]) => byName.get(label as string) === value)) {
      return Number(match[3])
    }
  }
  return undefined
}

/** Tracing whose spans stay in memory, for tests to read. */
export interface MemoryTracing {
  tracing: Tracing
  /** The spans ended so far, oldest first. */
  spans(): ReadableSpan[]
}

/** startTracing for `serviceName` with an in-memory exporter (every span kept as it ends). */
export function memoryTracing(serviceName: string): MemoryTracing {
  const exporter = new InMemorySpanExporter()
  const tracing = startTracing({ serviceName, env: { OTEL_SDK_DISABLED: false }, exporter })
  return { tracing, spans: () => exporter.getFinishedSpans() }
}
