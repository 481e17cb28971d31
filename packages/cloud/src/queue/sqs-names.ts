import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs'
import { type AwsOptions, awsClientConfig } from '../aws.ts'
import { CloudDependency, fromSdkError } from '../errors.ts'

/** The URL of the SQS queue named `name` in the account and region of `aws`; NotFound if none. */
export async function sqsQueueUrl(
  name: string,
  options: { aws?: AwsOptions } = {},
): Promise<string> {
  const client = new SQSClient(awsClientConfig(options.aws))
  try {
    const out = await client.send(new GetQueueUrlCommand({ QueueName: name }))
    return out.QueueUrl ?? ''
  } catch (error) {
    throw fromSdkError(error, `GetQueueUrl ${name}`, CloudDependency.queue)
  } finally {
    client.destroy()
  }
}
