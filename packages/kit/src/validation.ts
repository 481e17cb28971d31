import ajvCompiler from '@fastify/ajv-compiler'
import type { FastifyServerOptions } from 'fastify'

type ValidatorFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildValidator']

interface RouteSchema {
  schema: unknown
  httpPart?: string
}
interface AjvError {
  instancePath: string
  schemaPath: string
  keyword: string
  params: Record<string, unknown>
  message: string
}
interface Validate {
  (data: unknown, context?: unknown): unknown
  errors?: AjvError[] | null
  schemaEnv?: unknown
}
type Compile = (route: RouteSchema) => Validate
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

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * One error per number in `data` that is not finite: JSON's 1e309 parses to Infinity (and
 * JSON.stringify would store it as null), and Ajv coerces the query strings "Infinity" and
 * "1e309" to Infinity, then skips minimum/maximum for it. Walks iteratively, so depth is no
 * concern.
 */
export function nonFiniteErrors(data: unknown): AjvError[] {
  const errors: AjvError[] = []
  const stack: [unknown, string][] = [[data, '']]
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string]
    if (typeof value === 'number' && !Number.isFinite(value)) {
      errors.push({
        instancePath: path,
        schemaPath: '#',
        keyword: 'finite',
        params: {},
        message: 'must be a finite number',
      })
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        stack.push([child, `${path}/${escapePointer(key)}`])
      }
    }
  }
  return errors.reverse()
}

/**
 * Every integer without bounds gets ±Number.MAX_SAFE_INTEGER, so no id beyond what a JSON
 * number holds exactly reaches a handler or a database. Copies; the route's schema (and so
 * its OpenAPI document) is unchanged.
 */
export function boundIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(boundIntegers)
  if (schema === null || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'default' || key === 'const' || key === 'enum' ? value : boundIntegers(value)
  }
  if (out.type === 'integer') {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) {
      out.maximum = Number.MAX_SAFE_INTEGER
    }
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) {
      out.minimum = Number.MIN_SAFE_INTEGER
    }
  }
  return out
}

/** `validate`, then fails on any non-finite number left in the data. */
function finiteOnly(validate: Validate): Validate {
  const wrapped: Validate = (data, context) => {
    const valid = validate(data, context)
    const errors = nonFiniteErrors(data)
    wrapped.errors = errors.length > 0 ? [...(validate.errors ?? []), ...errors] : validate.errors
    return errors.length > 0 ? false : valid
  }
  // Fastify passes the parent (so Ajv may coerce a root value) only to functions with schemaEnv.
  wrapped.schemaEnv = validate.schemaEnv
  return wrapped
}

/**
 * A validator factory with two Ajv instances: querystring, params and headers keep Fastify's
 * coercion (strings from the URL become numbers/booleans/arrays), while the body is validated
 * without any coercion, so a JSON "12" is not silently accepted as 12, nor null as "", and
 * without removing unknown fields, so a schema's additionalProperties: false rejects them.
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
      // Fastify's default removeAdditional would drop fields additionalProperties: false forbids;
      // the body answers 422 naming them instead.
      customOptions: { ...custom, coerceTypes: false, removeAdditional: false },
    })
    return (route) => {
      const bounded = { ...route, schema: boundIntegers(route.schema) }
      return finiteOnly(route.httpPart === 'body' ? forBody(bounded) : forUrl(bounded))
    }
  }
  return factory as unknown as ValidatorFactory
}
