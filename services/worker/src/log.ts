type LogFn = (fields: Record<string, unknown>, message: string) => void

/** The part of a pino logger the consumer uses, so it can be driven without Fastify. */
export interface Log {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}
