import { AwsEnv } from '@ferry/cloud'
import type { DatabaseAuth } from '@ferry/db'
import {
  ConfigError,
  type ConfigRule,
  type LoadConfigOptions,
  loadConfig,
  ServerEnv,
  TracingEnv,
} from '@ferry/kit'
import { type Static, Type } from '@sinclair/typebox'
import { DEFAULT_MAX_RECORD_BYTES } from './records.ts'

const Seconds = (description: string, defaultValue: number) =>
  Type.Number({ exclusiveMinimum: 0, default: defaultValue, description })

export const Config = Type.Object({
  ...ServerEnv,
  S3_BUCKET: Type.String({ minLength: 1, description: 'Bucket to watch, or file://<dir>' }),
  S3_PREFIX: Type.String({ default: '', description: 'Only keys under this prefix; default all' }),
  POLL_INTERVAL: Seconds('Seconds between listings of the bucket (fractions allowed)', 30),
  DATABASE_URL: Type.Optional(
    Type.String({ minLength: 1, description: 'postgres://…; else DB_* below' }),
  ),
  DATABASE_AUTH: Type.Union([Type.Literal('password'), Type.Literal('iam')], {
    default: 'password',
    description:
      'iam: RDS IAM authentication as the URL user (a fresh token per connection, TLS verified ' +
      'against the RDS CAs); password: the URL password, DB_PASSWORD or PGPASSWORD',
  }),
  DB_HOST: Type.Optional(Type.String({ minLength: 1 })),
  DB_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
  DB_NAME: Type.String({ minLength: 1, default: 'clearinghouse' }),
  DB_USER: Type.Optional(Type.String({ minLength: 1 })),
  DB_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 5 }),
  CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 2, description: 'Files at once' }),
  LEASE_SECONDS: Seconds(
    'How long a claim lasts without renewal (a crash frees it after this)',
    300,
  ),
  READ_TIMEOUT_SECONDS: Seconds(
    'Longest wait for the next bytes of an object being loaded; then the attempt fails',
    60,
  ),
  RETRY_BASE_SECONDS: Seconds('First retry delay after a failure; doubles per attempt', 30),
  RETRY_MAX_SECONDS: Seconds('Longest retry delay', 3600),
  MAX_RECORD_BYTES: Type.Integer({
    minimum: 1,
    maximum: 256 * 1024 * 1024,
    default: DEFAULT_MAX_RECORD_BYTES,
    description: 'Largest record (bytes of its JSON text); a larger one fails its file',
  }),
  S3_EVENTS_QUEUE_URL: Type.Optional(
    Type.String({ minLength: 1, description: 'SQS queue of the bucket ObjectCreated events' }),
  ),
  OPERATOR_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description: 'Bearer token the operator API requires; required unless OPERATOR_AUTH=none',
    }),
  ),
  OPERATOR_AUTH: Type.Union([Type.Literal('token'), Type.Literal('none')], {
    default: 'token',
    description:
      'token: the operator API requires OPERATOR_TOKEN; none: it answers without credentials ' +
      '(an explicit opt-out, e.g. behind another gate)',
  }),
  ...AwsEnv,
  ...TracingEnv,
})
export type Config = Static<typeof Config>

/** The configuration with the database settings resolved into one URL and its authentication. */
export type ResolvedConfig = Config & { databaseUrl: string; databaseAuth: DatabaseAuth }

/** DATABASE_URL, or DB_HOST and DB_USER to compose one from. */
const databaseRule: ConfigRule<Config> = {
  reads: ['DATABASE_URL', 'DB_HOST', 'DB_USER'],
  check(config) {
    if (config.DATABASE_URL !== undefined) return undefined
    if (config.DB_HOST !== undefined && config.DB_USER !== undefined) return undefined
    const missing = config.DB_HOST === undefined ? 'DB_HOST' : 'DB_USER'
    return {
      name: 'DATABASE_URL',
      reason: `required (or DB_HOST and DB_USER; ${missing} is not set)`,
    }
  },
}

/** The operator API's credentials: OPERATOR_TOKEN unless OPERATOR_AUTH=none opts out, never both. */
const operatorAuthRule: ConfigRule<Config> = {
  reads: ['OPERATOR_AUTH', 'OPERATOR_TOKEN'],
  check(config) {
    if (config.OPERATOR_AUTH === 'none') {
      if (config.OPERATOR_TOKEN === undefined) return undefined
      return {
        name: 'OPERATOR_AUTH',
        reason: 'none contradicts OPERATOR_TOKEN, which is set: unset one',
      }
    }
    if (config.OPERATOR_TOKEN !== undefined) return undefined
    return {
      name: 'OPERATOR_TOKEN',
      reason: 'required: the operator API’s bearer token (OPERATOR_AUTH=none opts out)',
    }
  },
}

/** The checks across variables that loadResolvedConfig runs inside loadConfig. */
export const configRules = [databaseRule, operatorAuthRule]

/** Throws the rule's issue as a ConfigError: for a config that did not come from loadResolvedConfig. */
function assertRule(rule: ConfigRule<Config>, config: Config): void {
  const issue = rule.check(config)
  if (issue) throw new ConfigError([issue])
}

/**
 * DATABASE_URL, or one composed from the old deployment's DB_HOST, DB_PORT, DB_NAME, DB_USER and
 * DB_PASSWORD. Throws a ConfigError naming what is missing.
 */
export function databaseUrl(config: Config): string {
  assertRule(databaseRule, config)
  if (config.DATABASE_URL !== undefined) return config.DATABASE_URL
  const url = new URL('postgres://localhost')
  url.hostname = config.DB_HOST ?? ''
  url.port = String(config.DB_PORT)
  url.pathname = `/${encodeURIComponent(config.DB_NAME)}`
  url.username = encodeURIComponent(config.DB_USER ?? '')
  if (config.DB_PASSWORD !== undefined) url.password = encodeURIComponent(config.DB_PASSWORD)
  return url.toString()
}

/**
 * The operator API's bearer token, undefined when OPERATOR_AUTH=none opts out. Throws a
 * ConfigError naming the variable when the two contradict or neither is set.
 */
export function operatorToken(config: Config): string | undefined {
  assertRule(operatorAuthRule, config)
  return config.OPERATOR_TOKEN
}

/**
 * loadConfig with the rules above, plus the database URL; throws a ConfigError naming every bad
 * variable.
 */
export function loadResolvedConfig(options: LoadConfigOptions<Config> = {}): ResolvedConfig {
  const config = loadConfig(Config, { ...options, rules: configRules })
  const databaseAuth: DatabaseAuth =
    config.DATABASE_AUTH === 'iam'
      ? { kind: 'iam', region: config.AWS_REGION }
      : { kind: 'password' }
  return { ...config, databaseUrl: databaseUrl(config), databaseAuth }
}
