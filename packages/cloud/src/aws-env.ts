import { type Static, type TObject, Type } from '@sinclair/typebox'
import type { AwsOptions } from './aws.ts'

/**
 * The AWS settings every service reads; spread them into its config schema:
 * `Type.Object({ ...ServerEnv, ...AwsEnv, SQS_QUEUE_URL: Type.String() })`.
 */
export const AwsEnv = {
  AWS_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  AWS_ENDPOINT_URL: Type.Optional(
    Type.String({ minLength: 1, description: 'An emulator (moto, LocalStack) or a VPC endpoint' }),
  ),
}
export type AwsEnv = Static<TObject<typeof AwsEnv>>

/** The options of every driver's AWS client, from a config that spread AwsEnv. */
export function awsOptionsFrom(config: AwsEnv): AwsOptions {
  return { region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL }
}
