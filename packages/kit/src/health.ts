import { type Static, Type } from '@sinclair/typebox'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { LifecycleState } from './lifecycle.ts'

/** Checks one dependency; rejects (or ignores `signal` and times out) when it is not usable. */
export type ReadinessCheck = (signal: AbortSignal) => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Adds a dependency check to GET /ready. Every check runs concurrently on each request and
     * must settle within its timeout (default 2 s); its signal aborts at the timeout or when the
     * service starts closing.
     */
    addReadinessCheck(name: string, check: ReadinessCheck, options?: { timeoutMs?: number }): void
  }
}

export interface HealthOptions {
  /** Liveness paths, default ['/health']. */
  paths?: string[]
  /** Liveness body, default { status: 'ok' }. Must not do I/O. */
  body?: () => Record<string, unknown>
  /** Default timeout of a readiness check, default 2000 ms. */
  checkTimeoutMs?: number
}

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), Type.String(), {
    description: "check name → 'ok' or the reason it failed",
  }),
})
export type Readiness = Static<typeof Readiness>

interface RegisteredCheck {
  name: string
  check: ReadinessCheck
  timeoutMs: number
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)) || 'failed'
}

/** Settles with 'ok' or the failure reason; never later than the check's timeout. */
async function runCheck(entry: RegisteredCheck, closeSignal: AbortSignal): Promise<string> {
  const timeout = new AbortController()
  const signal = AbortSignal.any([timeout.signal, closeSignal])
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      const message = `timed out after ${entry.timeoutMs} ms`
      timeout.abort(new Error(message))
      resolve(message)
    }, entry.timeoutMs)
  })
  const outcome = Promise.resolve()
    .then(() => entry.check(signal))
    .then(() => 'ok', reason)
  try {
    return await Promise.race([outcome, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

async function readiness(
  checks: RegisteredCheck[],
  lifecycle: LifecycleState,
  log: FastifyBaseLogger,
): Promise<Readiness> {
  const results = await Promise.all(checks.map((c) => runCheck(c, lifecycle.closeSignal)))
  const out: Record<string, string> = {}
  checks.forEach((c, i) => {
    out[c.name] = results[i] ?? 'failed'
  })
  for (const [name, why] of lifecycle.failedLoops) out[name] = why
  if (lifecycle.closing) out.shutdown = 'in progress'
  const ready = Object.values(out).every((v) => v === 'ok')
  if (!ready) log.warn({ checks: out }, 'not ready')
  return { status: ready ? 'ready' : 'unavailable', checks: out }
}

/** GET /health (liveness, no I/O) on every configured path, and GET /ready (dependencies). */
export function installHealth(
  app: FastifyInstance,
  options: HealthOptions,
  lifecycle: LifecycleState,
): void {
  const checks: RegisteredCheck[] = []
  const defaultTimeout = options.checkTimeoutMs ?? 2000
  app.decorate(
    'addReadinessCheck',
    (name: string, check: ReadinessCheck, opts?: { timeoutMs?: number }) => {
      checks.push({ name, check, timeoutMs: opts?.timeoutMs ?? defaultTimeout })
    },
  )

  // Inside a plugin so the routes are added after @fastify/swagger loaded and get documented.
  void app.register(async (scope) => healthRoutes(scope, options, checks, lifecycle))
}

function healthRoutes(
  app: FastifyInstance,
  options: HealthOptions,
  checks: RegisteredCheck[],
  lifecycle: LifecycleState,
): void {
  const body = options.body ?? (() => ({ status: 'ok' }))
  for (const url of options.paths ?? ['/health']) {
    app.get(url, { logLevel: 'warn', schema: { tags: ['ops'], summary: 'Liveness' } }, () => body())
  }
  app.get(
    '/ready',
    {
      logLevel: 'warn',
      schema: {
        tags: ['ops'],
        summary: 'Readiness: every dependency check passed',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (request, reply) => {
      const result = await readiness(checks, lifecycle, request.log)
      return reply.code(result.status === 'ready' ? 200 : 503).send(result)
    },
  )
}
