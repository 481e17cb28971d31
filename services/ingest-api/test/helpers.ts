import type { AwsOptions, Queue, ReceivedMessage, Secret } from '@ferry/cloud'
import { openQueue, openSecret } from '@ferry/cloud'
import { openTestResources, type TestParameter } from '@ferry/cloud/testing'
import type { RequestTimeouts, Tracing } from '@ferry/kit'
import { captureLogs } from '@ferry/kit/testing'
import { Value } from '@sinclair/typebox/value'
import { buildApp, type IngestApp } from '../src/app.ts'
import { Config } from '../src/config.ts'

export const TOKEN = 'test-token-0123456789'

/** A valid payload; override fields per test. */
export function email(overrides: Record<string, unknown> = {}) {
  return {
    email_subject: 'Quarterly report',
    email_sender: 'alice@example.com',
    email_content: 'Numbers attached.',
    email_timestream: 1_700_000_000,
    ...overrides,
  }
}

/** Counts the service's reads of the secret, to prove when it does (not) consult SSM. */
export function countingSecret(secret: Secret): Secret & { reads: () => number } {
  let reads = 0
  return {
    name: secret.name,
    get() {
      reads++
      return secret.get()
    },
    invalidate: () => secret.invalidate(),
    close: () => secret.close(),
    reads: () => reads,
  }
}

export interface TestApp extends IngestApp {
  /** The emulator's settings. */
  aws: AwsOptions | undefined
  queue: Queue
  /** SQS_QUEUE_URL of this app. */
  queueUrl: string
  param: TestParameter
  /** Removes the app's queue and parameter (close() does it too). */
  cleanup(): Promise<void>
  logs: ReturnType<typeof captureLogs>
  /** Receives everything currently on the queue (deleting it), parsed as JSON. */
  drain(expected: number): Promise<unknown[]>
  /** Receives everything currently on the queue (deleting it), as received. */
  receiveAll(expected: number): Promise<ReceivedMessage[]>
  close(): Promise<void>
}

/** ingest-api on moto: a fresh SQS queue and SSM SecureString parameter per app. */
export async function buildTestApp(
  env: Record<string, string> = {},
  wrap: {
    queue?: (q: Queue) => Queue
    secret?: (s: Secret) => Secret
    timeouts?: RequestTimeouts
    tracing?: Tracing
  } = {},
): Promise<TestApp> {
  const resources = await openTestResources('aws')
  const { aws } = resources
  const { url: queueUrl } = await resources.queue()
  const param = await resources.parameter(TOKEN)
  const config = Value.Parse(Config, {
    SQS_QUEUE_URL: queueUrl,
    SSM_TOKEN_PARAM: param.name,
    LOG_LEVEL: 'info',
    ...env,
  })
  const queue = openQueue(queueUrl, { aws })
  const reader = openQueue(queueUrl, { aws })
  const secret = openSecret(param.name, { aws, ttlSeconds: config.TOKEN_CACHE_TTL_SECONDS })
  const logs = captureLogs()
  const built = buildApp({
    config,
    queue: wrap.queue ? wrap.queue(queue) : queue,
    secret: wrap.secret ? wrap.secret(secret) : secret,
    logger: { stream: logs.stream },
    timeouts: wrap.timeouts,
    tracing: wrap.tracing,
  })
  await built.app.ready()
  async function receiveAll(expected: number): Promise<ReceivedMessage[]> {
    const messages: ReceivedMessage[] = []
    const deadline = Date.now() + 10_000
    while (messages.length < expected && Date.now() < deadline) {
      const got = await reader.receive({ maxMessages: 10, waitSeconds: 1 })
      messages.push(...got)
      if (got.length > 0) await reader.delete(got.map((m) => m.receiptHandle))
    }
    return messages
  }
  return {
    ...built,
    aws,
    queue,
    queueUrl,
    param,
    cleanup: () => resources.cleanup(),
    logs,
    receiveAll,
    async drain(expected) {
      return (await receiveAll(expected)).map((m) => JSON.parse(m.body) as unknown)
    },
    async close() {
      await built.app.close()
      await reader.close()
      await resources.cleanup()
    },
  }
}

export function post(
  app: TestApp,
  body: unknown,
  headers: Record<string, string> = {},
  url = '/ingest',
) {
  return app.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  })
}
