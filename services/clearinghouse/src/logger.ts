import type { ServiceApp } from '@ferry/kit'

/** The service's pino logger (fastify's), without depending on fastify's types directly. */
export type Logger = ServiceApp['log']
