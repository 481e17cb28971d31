import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { type Static, type TObject, type TSchema, Type, TypeGuard } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/**
 * Properties every HTTP service reads; spread them into a config schema:
 * `Type.Object({ ...ServerEnv, SQS_QUEUE_URL: Type.String() })`.
 */
export const ServerEnv = {
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
}
export type ServerEnv = Static<TObject<typeof ServerEnv>>

/**
 * Settings of a service that checks credentials: how many failed authentications a client address
 * may have per window (see createFailureLimiter), and how many proxies stand in front of it (the
 * client address is then taken from X-Forwarded-For).
 */
export const AuthLimitEnv = {
  AUTH_MAX_FAILURES: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 20,
    description: 'Invalid tokens one client address may send per window before it gets 429',
  }),
  AUTH_FAILURE_WINDOW_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 60,
    description: 'The window AUTH_MAX_FAILURES counts in',
  }),
  TRUST_PROXY_HOPS: Type.Integer({
    minimum: 0,
    maximum: 10,
    default: 0,
    description:
      'Proxies in front of the service that append X-Forwarded-For (1 behind the ALB); the client address is taken from there',
  }),
}

/** One variable that is missing or invalid. */
export interface ConfigIssue {
  name: string
  reason: string
}

/** Thrown by loadConfig; its message names every bad variable, one per line. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[]

  constructor(issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.name}: ${i.reason}`)
    super(`Invalid configuration (${issues.length}):\n${lines.join('\n')}`)
    this.name = 'ConfigError'
    this.issues = issues
  }
}

/**
 * A check a schema cannot state, across variables ("exactly one of JWT_SECRET or JWT_JWKS_URL")
 * or on a value's meaning. loadConfig runs it once the schema accepted every variable it
 * `reads`, and lists its issue beside the per-variable ones.
 */
export interface ConfigRule<C> {
  reads: readonly (keyof C & string)[]
  /** The issue, or undefined when the values are fine; reads only the variables in `reads`. */
  check(config: C): ConfigIssue | undefined
}

export interface LoadConfigOptions<C = Record<string, unknown>> {
  env?: Record<string, string | undefined>
  /** A .env file; a missing file is not an error. Its values never override `env`. */
  envFile?: string
  rules?: readonly ConfigRule<C>[]
}

const SECRET_NAME = /SECRET|TOKEN|PASSW|PASSPHRASE|CREDENTIAL|PRIVATE|AUTH|API_?KEY|ACCESS_?KEY/i

function readEnvFile(path: string | undefined): Record<string, string> {
  if (!path) return {}
  try {
    return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
}

function bounds(s: TSchema): string {
  const min =
    s.minimum ?? (s.exclusiveMinimum === undefined ? undefined : `> ${s.exclusiveMinimum}`)
  const max =
    s.maximum ?? (s.exclusiveMaximum === undefined ? undefined : `< ${s.exclusiveMaximum}`)
  if (typeof min === 'number' && typeof max === 'number') return ` between ${min} and ${max}`
  const parts = [
    typeof min === 'number' ? `≥ ${min}` : min,
    typeof max === 'number' ? `≤ ${max}` : max,
  ].filter(Boolean)
  return parts.length ? ` ${parts.join(' and ')}` : ''
}

function describeString(s: TSchema): string | undefined {
  if (s.format) return `must be a valid ${s.format}`
  if (s.pattern) return `must match ${s.pattern}`
  if (s.minLength === 1 && s.maxLength === undefined) return 'must not be empty'
  if (s.minLength !== undefined || s.maxLength !== undefined) {
    return `must be ${s.minLength ?? 0} to ${s.maxLength ?? '∞'} characters long`
  }
  return undefined
}

/** What a valid value of `s` looks like, phrased for an operator. */
function describe(s: TSchema): string | undefined {
  if (TypeGuard.IsInteger(s)) return `must be an integer${bounds(s)}`
  if (TypeGuard.IsNumber(s)) return `must be a number${bounds(s)}`
  if (TypeGuard.IsBoolean(s)) return 'must be true or false'
  if (TypeGuard.IsLiteral(s)) return `must be ${JSON.stringify(s.const)}`
  if (TypeGuard.IsUnion(s) && s.anyOf.every(TypeGuard.IsLiteral)) {
    return `must be one of: ${s.anyOf.map((l) => l.const).join(', ')}`
  }
  if (TypeGuard.IsString(s)) return describeString(s)
  return undefined
}

function shown(name: string, value: unknown): string {
  const text = String(value)
  if (SECRET_NAME.test(name) || /:\/\/[^/]*@/.test(text)) return ''
  const cut = text.length > 60 ? `${text.slice(0, 60)}…` : text
  return ` (got ${JSON.stringify(cut)})`
}

function issuesOf(schema: TObject, value: Record<string, unknown>): ConfigIssue[] {
  const byName = new Map<string, string>()
  for (const error of Value.Errors(schema, value)) {
    const name = error.path.split('/')[1] ?? ''
    if (byName.has(name)) continue
    const raw = value[name]
    const property = schema.properties[name]
    const reason =
      raw === undefined
        ? 'required'
        : `${(property && describe(property)) ?? error.message.toLowerCase()}${shown(name, raw)}`
    byName.set(name, reason)
  }
  const order = Object.keys(schema.properties)
  return [...byName]
    .map(([name, reason]) => ({ name, reason }))
    .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
}

/** The issues of the rules whose variables the schema accepted (none of them in `bad`). */
function ruleIssues<C>(rules: readonly ConfigRule<C>[], config: C, bad: ConfigIssue[]) {
  const badNames = new Set(bad.map((i) => i.name))
  return rules
    .filter((rule) => !rule.reads.some((name) => badNames.has(name)))
    .flatMap((rule) => rule.check(config) ?? [])
}

/**
 * Reads the environment (plus an optional .env file for variables not already set), applies
 * defaults, converts strings to numbers/booleans, and checks the result against the schema, then
 * the rules. Empty values count as unset. Returns only the schema's properties; throws a
 * ConfigError naming every bad variable, the rules' issues after the schema's.
 */
export function loadConfig<T extends TObject>(
  schema: T,
  options: LoadConfigOptions<Static<T>> = {},
): Static<T> {
  const merged = { ...readEnvFile(options.envFile), ...(options.env ?? process.env) }
  const value: Record<string, unknown> = {}
  for (const name of Object.keys(schema.properties)) {
    const v = merged[name]
    if (v !== undefined && v !== '') value[name] = v
  }
  const converted = Value.Convert(schema, Value.Default(schema, value))
  const issues = issuesOf(schema, converted as Record<string, unknown>)
  issues.push(...ruleIssues(options.rules ?? [], converted as Static<T>, issues))
  if (issues.length) throw new ConfigError(issues)
  return Value.Clean(schema, converted) as Static<T>
}

/** loadConfig for main.ts: on a ConfigError prints it to stderr and exits with 1. */
export function loadConfigOrExit<T extends TObject>(
  schema: T,
  options?: LoadConfigOptions<Static<T>>,
): Static<T> {
  return configOrExit(() => loadConfig(schema, options))
}

/**
 * Runs a service's own config loader (loadConfig plus settings derived from it); a ConfigError
 * is printed to stderr, naming every bad variable, and the process exits 1.
 */
export function configOrExit<T>(load: () => T): T {
  try {
    return load()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}
