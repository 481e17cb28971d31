import { Agent as HttpAgent } from 'node:http'
import { Agent } from 'node:https'
import { NodeHttpHandler } from '@smithy/node-http-handler'

/** Settings every AWS client shares; services pass them from their config. */
export interface AwsOptions {
  /** AWS region, e.g. `eu-west-1`. */
  region?: string
  /** `AWS_ENDPOINT_URL`: an emulator (moto, LocalStack) or a VPC endpoint. */
  endpoint?: string
  /** Attempts per call including the first (standard retry mode with jittered backoff). */
  maxAttempts?: number
  /** Sockets per client; keep-alive connections are reused. */
  maxSockets?: number
  /** Milliseconds to wait for a connection / a response before the attempt fails. */
  connectionTimeoutMs?: number
  requestTimeoutMs?: number
}

export interface AwsClientConfig {
  region: string
  endpoint?: string
  maxAttempts: number
  retryMode: 'standard'
  requestHandler: NodeHttpHandler
  /** S3 only: emulators serve buckets by path, not by virtual host. */
  forcePathStyle: boolean
}

/**
 * The one place an AWS SDK v3 client's settings are made: region, endpoint, standard retries and a
 * keep-alive agent with a bounded socket pool. Pass the result to any `new XClient(...)`.
 */
export function awsClientConfig(options: AwsOptions = {}): AwsClientConfig {
  const maxSockets = options.maxSockets ?? 64
  const agentOptions = { keepAlive: true, maxSockets, keepAliveMsecs: 1000 }
  return {
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new Agent(agentOptions),
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
    }),
    forcePathStyle: Boolean(options.endpoint),
  }
}
