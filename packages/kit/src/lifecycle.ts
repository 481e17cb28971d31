import type { FastifyBaseLogger, FastifyInstance } from 'fastify'

/** A long-running task; it must stop soon after `signal` aborts and then resolve. */
export type Loop = (signal: AbortSignal) => Promise<void>
/** Releases a driver (database pool, client); runs once, after every loop has drained. */
export type Closer = () => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Runs `loop` from the moment the app is ready until shutdown: `preClose` aborts its signal
     * (stop taking work), `onClose` waits for its promise (drain) before any closer runs. A loop
     * that throws, or returns before shutdown, is logged and makes /ready answer 503 from then
     * on, so the orchestrator replaces the task; it is not restarted in process. Register
     * before the app is ready.
     */
    addLoop(name: string, loop: Loop): void
    /**
     * Registers a driver to close when the app closes: after in-flight requests finished and
     * every loop drained, in reverse order of registration (last opened, first closed). A
     * closer that throws is logged and the others still run.
     */
    addCloser(name: string, closer: Closer): void
  }
}

/** What the lifecycle tells the readiness route. */
export interface LifecycleState {
  /** True from the moment close began. */
  readonly closing: boolean
  /** Loops that stopped on their own: name → reason. */
  readonly failedLoops: ReadonlyMap<string, string>
  /** Aborts when close begins; used to cut in-flight readiness checks short. */
  readonly closeSignal: AbortSignal
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (error as Error)?.name === 'AbortError'
}

/**
 * Decorates `app` (the root instance) with addLoop/addCloser and wires the hooks. The single
 * onClose hook is registered here, before any service plugin, and Fastify runs onClose hooks in
 * reverse order with children first, so it runs after every other onClose hook.
 */
export function installLifecycle(app: FastifyInstance): LifecycleState {
  const loops: { name: string; loop: Loop }[] = []
  const closers: { name: string; closer: Closer }[] = []
  const running: Promise<void>[] = []
  const failedLoops = new Map<string, string>()
  const intake = new AbortController()
  let started = false

  function start(name: string, loop: Loop, log: FastifyBaseLogger): Promise<void> {
    log.info({ loop: name }, 'loop started')
    const signal = intake.signal
    return Promise.resolve()
      .then(() => loop(signal))
      .then(
        () => {
          if (signal.aborted) return log.info({ loop: name }, 'loop drained')
          failedLoops.set(`loop:${name}`, 'stopped before shutdown')
          log.error({ loop: name }, 'loop stopped before shutdown')
        },
        (error: unknown) => {
          if (isAbort(error, signal)) return log.info({ loop: name }, 'loop drained')
          failedLoops.set(`loop:${name}`, describe(error))
          log.error({ err: error, loop: name }, 'loop failed')
        },
      )
  }

  app.decorate('addLoop', (name: string, loop: Loop) => {
    if (started) throw new Error(`addLoop(${name}): the app is already ready`)
    loops.push({ name, loop })
  })
  app.decorate('addCloser', (name: string, closer: Closer) => {
    closers.push({ name, closer })
  })

  app.addHook('onReady', async () => {
    started = true
    for (const { name, loop } of loops) running.push(start(name, loop, app.log))
  })
  app.addHook('preClose', async () => {
    intake.abort()
  })
  // Responses finishing during shutdown close their keep-alive connection; otherwise the server
  // would wait for the client's idle connection to time out before onClose could run.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (intake.signal.aborted) reply.header('connection', 'close')
    return payload
  })
  app.addHook('onClose', async () => {
    intake.abort()
    await Promise.all(running)
    for (const { name, closer } of closers.toReversed()) {
      try {
        await closer()
        app.log.info({ closer: name }, 'closed')
      } catch (error) {
        app.log.error({ err: error, closer: name }, 'closer failed')
      }
    }
  })

  return {
    get closing() {
      return intake.signal.aborted
    },
    failedLoops,
    closeSignal: intake.signal,
  }
}
