import { AwsEnv, isLocalUrl, type LocalObjectsOptions } from '@ferry/cloud'
import type { DatabaseAuth } from '@ferry/db'
import {
  AuthLimitEnv,
  ConfigError,
  type ConfigIssue,
  type ConfigRule,
  ServerEnv,
  TracingEnv,
} from '@ferry/kit'
import { type Static, Type } from '@sinclair/typebox'

export const Config = Type.Object({
  ...ServerEnv,
  ...AuthLimitEnv,
  ...TracingEnv,
  DATABASE_URL: Type.String({ minLength: 1, description: 'postgres://…' }),
  DATABASE_AUTH: Type.Union([Type.Literal('password'), Type.Literal('iam')], {
    default: 'password',
    description:
      'iam: RDS IAM authentication as the URL user (a fresh token per connection, TLS verified ' +
      'against the RDS CAs); password: the URL password or PGPASSWORD',
  }),
  S3_BUCKET_NAME: Type.String({
    minLength: 1,
    description: 'The documents bucket, or file://<dir>',
  }),
  SNS_TOPIC_ARN: Type.String({ minLength: 1, description: 'SNS topic ARN, or file://<dir>' }),
  SQS_QUEUE_URL: Type.String({
    minLength: 1,
    description: 'The events queue (subscribed to the topic), or file://<dir>',
  }),
  FILES_BUCKET: Type.String({
    minLength: 1,
    description:
      "The tenants' files bucket (tenants/t/{tenant_id}/…, tenants/u/{sub}/…), or file://<dir>",
  }),
  MAX_UPLOAD_BYTES: Type.Integer({
    minimum: 1,
    default: 100 * 1024 * 1024,
    description: 'Largest file an upload or a presigned POST may store (default 100 MiB)',
  }),
  PRESIGN_MAX_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 604_800,
    default: 604_800,
    description: 'Longest expiry of a presigned download URL (S3 allows 7 days)',
  }),
  PRESIGN_UPLOAD_MAX_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 604_800,
    default: 3600,
    description: 'Longest expiry of a presigned upload form',
  }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description:
        'The api as clients reach it; presigned URLs of a file:// FILES_BUCKET point here (default: http://localhost:PORT, or HOST:PORT when HOST names one address)',
    }),
  ),
  PRESIGN_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description: 'HMAC key of the presigned URLs of a file:// FILES_BUCKET',
    }),
  ),
  JWT_SECRET: Type.Optional(
    Type.String({ minLength: 32, description: 'HS256 key; set this or JWT_JWKS_URL' }),
  ),
  JWT_JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description: "The identity provider's JWKS document (RS256/ES256); set this or JWT_SECRET",
    }),
  ),
  JWT_AUDIENCE: Type.Optional(
    Type.String({ minLength: 1, description: 'When set, a token must carry this `aud`' }),
  ),
  JWT_ISSUER: Type.Optional(
    Type.String({ minLength: 1, description: 'When set, a token must carry this `iss`' }),
  ),
  ...AwsEnv,
  S3_PUBLIC_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/]+/?$',
      description:
        "Where the files bucket's presigned URLs point, when clients reach S3 elsewhere than " +
        'AWS_ENDPOINT_URL (docker-compose: http://localhost:4566); only the presigner uses it',
    }),
  ),
})
export type Config = Static<typeof Config>

/** What a token must claim besides `exp` (and `sub`), when configured. */
export interface ClaimChecks {
  audience?: string
  issuer?: string
}

/** How tokens are verified: exactly one of the two settings, plus the claims required. */
export type AuthSetting = ({ kind: 'secret'; secret: string } | { kind: 'jwks'; url: string }) &
  ClaimChecks

/**
 * The token verification `config` asks for, or the issue that stops the service at start: the
 * schema can say each variable is optional but not that exactly one of them must be set.
 */
function resolveAuth(config: Config): AuthSetting | ConfigIssue {
  const { JWT_SECRET: secret, JWT_JWKS_URL: url } = config
  const claims: ClaimChecks = {
    ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
    ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
  }
  if (secret !== undefined && url === undefined) return { kind: 'secret', secret, ...claims }
  if (url !== undefined && secret === undefined) return { kind: 'jwks', url, ...claims }
  return {
    name: 'JWT_SECRET',
    reason: `set exactly one of JWT_SECRET (HS256) or JWT_JWKS_URL (RS256/ES256 keys), not ${secret === undefined ? 'neither' : 'both'}`,
  }
}

function isConfigIssue<T extends object>(value: T | ConfigIssue): value is ConfigIssue {
  return 'reason' in value
}

/**
 * How the files store presigns: S3 signs its own URLs; a `file://` FILES_BUCKET's URLs point at
 * the api itself (PUBLIC_URL, by default the address it listens on), signed with
 * PRESIGN_SECRET, which is then required.
 */
function resolveFiles(config: Config): LocalObjectsOptions | ConfigIssue {
  if (!isLocalUrl(config.FILES_BUCKET)) return {}
  const { PUBLIC_URL: baseUrl = ownUrl(config), PRESIGN_SECRET: secret } = config
  if (secret !== undefined) return { presign: { baseUrl, secret } }
  return {
    name: 'PRESIGN_SECRET',
    reason: 'required with a file:// FILES_BUCKET (its presigned URLs are served by the api)',
  }
}

/** A rule that holds when `resolve` finds the settings it reads consistent. */
function ruleOf<T extends object>(
  reads: ConfigRule<Config>['reads'],
  resolve: (config: Config) => T | ConfigIssue,
): ConfigRule<Config> {
  return {
    reads,
    check(config) {
      const value = resolve(config)
      return isConfigIssue(value) ? value : undefined
    },
  }
}

/** `value`, unless it is an issue: then the ConfigError loadConfig would have thrown. */
function settingOf<T extends object>(value: T | ConfigIssue): T {
  if (isConfigIssue(value)) throw new ConfigError([value])
  return value
}

/** The checks across variables that the schema cannot state; loadConfig runs them. */
export const configRules = [
  ruleOf(['JWT_SECRET', 'JWT_JWKS_URL'], resolveAuth),
  ruleOf(['FILES_BUCKET', 'PRESIGN_SECRET'], resolveFiles),
]

/** How tokens are verified; throws a ConfigError for a config that breaks configRules. */
export function authSetting(config: Config): AuthSetting {
  return settingOf(resolveAuth(config))
}

/** How the files store presigns; throws a ConfigError for a config that breaks configRules. */
export function filesSetting(config: Config): LocalObjectsOptions {
  return settingOf(resolveFiles(config))
}

/** The api's own address: a wildcard HOST is reached as localhost. */
function ownUrl({ HOST, PORT }: Config): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(HOST) ? 'localhost' : HOST
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${PORT}`
}

/** How the database connections authenticate (DATABASE_AUTH, signed for AWS_REGION). */
export function databaseAuth(config: Pick<Config, 'DATABASE_AUTH' | 'AWS_REGION'>): DatabaseAuth {
  return config.DATABASE_AUTH === 'iam'
    ? { kind: 'iam', region: config.AWS_REGION }
    : { kind: 'password' }
}
