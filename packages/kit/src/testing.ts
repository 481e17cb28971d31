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
