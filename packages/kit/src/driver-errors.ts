import { HttpProblem, serviceUnavailable } from './problem.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Translates the errors a driver hands out untranslated (postgres.js's: `fromDbError` of
     * `@ferry/db`) before the kit renders them. Every translator sees every error a request
     * throws, in order of registration; one that does not recognise it returns it unchanged.
     */
    addErrorTranslator(translate: ErrorTranslator): void
  }
}

/** Returns a DriverError for an error it recognises, anything else unchanged. */
export type ErrorTranslator = (error: unknown) => unknown

/**
 * What the kit reads from an error a driver raised, so it never imports a driver package
 * (`CloudError` of `@ferry/cloud` and `DbError` of `@ferry/db` have this shape).
 */
export interface DriverError {
  /** True when the same call may succeed shortly: answered 503 with Retry-After. */
  readonly transient?: boolean
  /** What failed, e.g. "the database", "the queue": the 503's detail names it. */
  readonly dependency?: string
  /** The answer when the request itself was at fault, e.g. a key the store cannot hold. */
  readonly clientProblem?: { status: number; detail: string; code: string }
}

/** Seconds a client is told to wait before retrying after a transient failure. */
export const TRANSIENT_RETRY_AFTER_SECONDS = 1

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** `error` itself or an error it was caused by (a few levels deep) that is transient. */
function transientIn(error: unknown): DriverError | undefined {
  let current = error
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if ((current as DriverError).transient === true) return current as DriverError
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * The problem for a driver's error: a transient one is a 503 with Retry-After naming the
 * dependency; one carrying a `clientProblem` is that answer. Undefined for anything else.
 */
export function driverProblem(
  error: unknown,
  translators: readonly ErrorTranslator[],
): HttpProblem | undefined {
  const translated = translators.reduce((current, translate) => translate(current), error)
  const transient = transientIn(error) ?? transientIn(translated)
  if (transient) {
    const dependency = transient.dependency ?? 'a service this one depends on'
    return serviceUnavailable(`${capitalise(dependency)} is unavailable; retry shortly.`, {
      code: 'dependency_unavailable',
      retryAfterSeconds: TRANSIENT_RETRY_AFTER_SECONDS,
    })
  }
  const client = (translated as DriverError | null)?.clientProblem
  if (client && client.status >= 400 && client.status < 500) {
    return new HttpProblem(client.status, client.detail, { code: client.code })
  }
  return undefined
}
