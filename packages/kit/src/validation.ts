import ajvCompiler from '@fastify/ajv-compiler'
import type { FastifyServerOptions } from 'fastify'

type ValidatorFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildValidator']

interface RouteSchema {
  schema: unknown
  httpPart?: string
}
type Compile = (route: RouteSchema) => unknown
interface AjvServerOptions {
  customOptions?: Record<string, unknown>
  plugins?: unknown[]
}
type Selector = () => (externalSchemas: unknown, options: AjvServerOptions) => Compile

/**
 * Ajv options for every part: report every failing keyword, not just the first. (Ajv's docs warn
 * that allErrors costs more on hostile input; body size is bounded by bodyLimit.)
 */
export const AJV_OPTIONS = { customOptions: { allErrors: true } }

/**
 * A validator factory with two Ajv instances: querystring, params and headers keep Fastify's
 * coercion (strings from the URL become numbers/booleans/arrays), while the body is validated
 * without any coercion, so a JSON "12" is not silently accepted as 12, nor null as "".
 */
export function buildValidator(): ValidatorFactory {
  // Fastify's own default compiler (same major as fastify's dependency, deduplicated by pnpm).
  const selector = ajvCompiler as unknown as Selector
  const coercing = selector()
  const strict = selector()
  const factory = (externalSchemas: unknown, ajvOptions: AjvServerOptions): Compile => {
    const custom = ajvOptions?.customOptions ?? {}
    const forUrl = coercing(externalSchemas, {
      ...ajvOptions,
      customOptions: { ...custom, coerceTypes: 'array' },
    })
    const forBody = strict(externalSchemas, {
      ...ajvOptions,
      customOptions: { ...custom, coerceTypes: false },
    })
    return (route) => (route.httpPart === 'body' ? forBody(route) : forUrl(route))
  }
  return factory as unknown as ValidatorFactory
}
