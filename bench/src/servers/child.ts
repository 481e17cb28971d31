// The child's side of ../children.ts: announce the port over IPC, answer 'stats', stop on SIGTERM.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { highWaterMb } from '../process-stats.ts'

/**
 * This process's peak resident set so far, in MiB: VmHWM, not getrusage's maxRSS, which Linux
 * carries over a fork and exec — a child's maxRSS is at least its parent's RSS when it forked
 * (the bench process holding a 94 MB file made a 60 MB reader report 396 MB).
 */
export function peakRssMb(): number {
  return highWaterMb(process.pid) ?? process.resourceUsage().maxRSS / 1024
}

/** Prints one JSON line: the result a runJson() parent reads. */
export function printResult(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/**
 * Listens on a free loopback port, sends `{ port, ...extra }` to the parent, answers each
 * 'stats' message with `stats()`, and on SIGTERM runs `close` and exits.
 */
export async function serve(
  app: FastifyInstance,
  stats: () => object,
  close: () => Promise<void>,
  extra: object = {},
): Promise<void> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  process.on('message', (message) => {
    if (message === 'stats') process.send?.(stats())
  })
  process.once('SIGTERM', () => {
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  })
  process.send?.({ port, ...extra })
}
