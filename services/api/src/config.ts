import { type ConfigIssue, ServerEnv } from '@ferry/kit'
import { type Static, Type } from '@sinclair/typebox'

export const Config = Type.Object({
  ...ServerEnv,
  DATABASE_URL: Type.String({ minLength: 1, description: 'postgres://… or pglite://<dir>' }),
  S3_BUCKET_NAME: Type.String({
    minLength: 1,
    description: 'The documents bucket, or file://<dir>',
  }),
  SNS_TOPIC_ARN: Type.String({ minLength: 1, description: 'SNS topic ARN, or file://<dir>' }),
  SQS_QUEUE_URL: Type.String({
    minLength: 1,
    description: 'The events queue (subscribed to the topic), or file://<dir>',
  }),
  JWT_SECRET: Type.Optional(
    Type.String({ minLength: 32, description: 'HS256 key; set this or JWT_JWKS_URL' }),
  ),
  JWT_JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description: "The identity provider's JWKS document (RS256/ES256); set this or JWT_SECRET",
    }),
  ),
  AWS_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  AWS_ENDPOINT_URL: Type.Optional(Type.String({ minLength: 1 })),
})
export type Config = Static<typeof Config>

/** How tokens are verified: exactly one of the two settings. */
export type AuthSetting = { kind: 'secret'; secret: string } | { kind: 'jwks'; url: string }

/**
 * The token verification `config` asks for, or the issue that stops the service at start: the
 * schema can say each variable is optional but not that exactly one of them must be set.
 */
export function authSetting(config: Config): AuthSetting | ConfigIssue {
  const { JWT_SECRET: secret, JWT_JWKS_URL: url } = config
  if (secret !== undefined && url === undefined) return { kind: 'secret', secret }
  if (url !== undefined && secret === undefined) return { kind: 'jwks', url }
  return {
    name: 'JWT_SECRET',
    reason: `set exactly one of JWT_SECRET (HS256) or JWT_JWKS_URL (RS256/ES256 keys), not ${secret === undefined ? 'neither' : 'both'}`,
  }
}

export function isConfigIssue(value: AuthSetting | ConfigIssue): value is ConfigIssue {
  return 'reason' in value
}
