import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { type AwsOptions, awsClientConfig } from '../aws.ts'
import { CloudDependency, CloudError, fromSdkError } from '../errors.ts'
import { type CacheOptions, cacheSecret, type Secret } from './secret.ts'

/** An SSM parameter (SecureString, decrypted) read through the shared cache. */
export function openSsmSecret(
  parameter: string,
  options: CacheOptions & { aws?: AwsOptions },
): Secret {
  const client = new SSMClient(awsClientConfig(options.aws))
  const read = async () => {
    try {
      const out = await client.send(
        new GetParameterCommand({ Name: parameter, WithDecryption: true }),
      )
      const value = out.Parameter?.Value
      if (value === undefined)
        throw new CloudError('NotFound', `SSM parameter ${parameter} has no value`)
      return value
    } catch (error) {
      throw fromSdkError(error, `GetParameter ${parameter}`, CloudDependency.secrets)
    }
  }
  return cacheSecret(parameter, read, options, async () => client.destroy())
}
