import { AwsEnv } from '@ferry/cloud'
import { type ConfigRule, loadConfig, ServerEnv, TracingEnv } from '@ferry/kit'
import { type Static, Type } from '@sinclair/typebox'
import { DEFAULT_KEY_TEMPLATE, keyTemplateProblem } from './key.ts'

export const Config = Type.Object({
  ...ServerEnv,
  SQS_QUEUE_URL: Type.String({ minLength: 1, description: 'SQS queue URL, or file://<dir>' }),
  S3_BUCKET: Type.String({ minLength: 1, description: 'S3 bucket name, or file://<dir>' }),
  ...AwsEnv,
  APP_ENV: Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z0-9._-]+$',
    default: 'local',
  }),
  S3_KEY_TEMPLATE: Type.String({ minLength: 1, maxLength: 512, default: DEFAULT_KEY_TEMPLATE }),
  WORKER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 32 }),
  POLL_WAIT_SECONDS: Type.Integer({ minimum: 0, maximum: 20, default: 20 }),
  VISIBILITY_TIMEOUT: Type.Integer({ minimum: 1, maximum: 43_200, default: 60 }),
  MAX_MESSAGES: Type.Integer({ minimum: 1, maximum: 10, default: 10 }),
  OPERATOR_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        'Bearer token of the operator API (/dlq: the queue’s dead letters); unset, it is off',
    }),
  ),
  ...TracingEnv,
})
export type Config = Static<typeof Config>

/** S3_KEY_TEMPLATE uses only known placeholders: a check a schema cannot state. */
const keyTemplateRule: ConfigRule<Config> = {
  reads: ['S3_KEY_TEMPLATE'],
  check: ({ S3_KEY_TEMPLATE }) => {
    const problem = keyTemplateProblem(S3_KEY_TEMPLATE)
    return problem ? { name: 'S3_KEY_TEMPLATE', reason: problem } : undefined
  },
}

/** loadConfig with the worker's rules; throws one ConfigError naming every bad variable. */
export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(Config, { env, rules: [keyTemplateRule] })
}
