import { ExportResultCode } from '@opentelemetry/core'
import type { SpanExporter } from '@opentelemetry/sdk-trace'

/**
 * The OTLP/HTTP (protobuf) span exporter for `url`, loaded on its first use: the exporter and
 * the OTLP encoders it pulls in add ~8 MiB and ~250 ms to a service's start (measured), which
 * a service exporting nothing should not pay.
 */
export function lazyOtlpExporter(url: string): SpanExporter {
  let loading: Promise<SpanExporter> | undefined
  const exporter = () => {
    loading ??= import('@opentelemetry/exporter-trace-otlp-proto').then(
      ({ OTLPTraceExporter }) => new OTLPTraceExporter({ url }),
    )
    return loading
  }
  return {
    export(spans, resultCallback) {
      exporter().then(
        (loaded) => loaded.export(spans, resultCallback),
        (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
      )
    },
    async shutdown() {
      if (loading) await (await loading).shutdown()
    },
    async forceFlush() {
      if (loading) await (await loading).forceFlush?.()
    },
  }
}
