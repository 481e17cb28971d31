import type { FastifyInstance } from 'fastify'
import { shutdownTimeoutOf } from './service.ts'

export interface RunOptions {
  port: number
  host: string
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * Listens, then shuts down gracefully on SIGTERM or SIGINT: app.close() stops accepting (new
 * requests get 503), waits for in-flight requests (cutting the connections still open after half
 * of shutdownTimeoutMs), aborts and drains loops, then runs closers.
 * Exits 0 when close finished, 1 when it failed or took longer than the service's
 * shutdownTimeoutMs. A second signal during shutdown exits 1 at once. Resolves once listening.
 */
/** Destroys every connection still open (idle or not), so server.close() can complete. */
function cutConnections(app: FastifyInstance): void {
  const server = app.server
  server.getConnections((error, count) => {
    app.log.warn({ connections: error ? undefined : count }, 'closing connections still open')
    server.closeAllConnections()
  })
}

export async function runService(app: FastifyInstance, options: RunOptions): Promise<void> {
  const timeoutMs = shutdownTimeoutOf(app)
  let shuttingDown = false

  function shutdown(signal: string): void {
    if (shuttingDown) {
      app.log.warn({ signal }, 'second signal during shutdown; exiting now')
      process.exit(1)
    }
    shuttingDown = true
    app.log.info({ signal, timeout_ms: timeoutMs }, 'shutting down')
    const timer = setTimeout(() => {
      app.log.error({ timeout_ms: timeoutMs }, 'shutdown timed out; exiting')
      process.exit(1)
    }, timeoutMs)
    // app.close() waits for every open connection: a body trickled in, or a download whose
    // reader stopped reading, would hold it until the timer above. After half the budget the
    // remaining connections are cut, so loops and closers still get the other half.
    const grace = setTimeout(() => cutConnections(app), Math.floor(timeoutMs / 2))
    app.close().then(
      () => {
        clearTimeout(timer)
        clearTimeout(grace)
        app.log.info('shutdown complete')
        process.exit(0)
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }

  const url = await app.listen({ port: options.port, host: options.host })
  for (const signal of SIGNALS) process.on(signal, shutdown)
  app.log.info({ url }, `listening on ${url}`)
}
