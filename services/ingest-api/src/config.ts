import { AwsEnv } from '@ferry/cloud'
import { AuthLimitEnv, ServerEnv, TracingEnv } from '@ferry/kit'
import { type Static, Type } from '@sinclair/typebox'

export const Config = Type.Object({
  ...ServerEnv,
  ...AuthLimitEnv,
  SSM_TOKEN_PARAM: Type.String({
    minLength: 1,
    description: 'SSM parameter name, or file://<path>',
  }),
  SQS_QUEUE_URL: Type.String({ minLength: 1, description: 'SQS queue URL, or file://<dir>' }),
  ...AwsEnv,
  PAYLOAD_VERSION: Type.String({
    minLength: 1,
    maxLength: 32,
    pattern: '^[A-Za-z0-9._-]+$',
    default: 'v1',
  }),
  TOKEN_CACHE_TTL_SECONDS: Type.Number({ minimum: 0, default: 60 }),
  MAX_BODY_BYTES: Type.Integer({ minimum: 1, maximum: 262_144, default: 262_144 }),
  MAX_BATCH_BODY_BYTES: Type.Integer({ minimum: 1, default: 5 * 1024 * 1024 }),
  BATCH_LINGER_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
  ...TracingEnv,
})
export type Config = Static<typeof Config>
