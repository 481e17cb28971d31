// The bench's side of the AWS stand-in (./server.ts): start it in its own process, and read or
// prepare its state through its control routes.
import { join } from 'node:path'
import { startServer } from '../children.ts'

export type Calls = Record<string, number>

export interface Standin {
  /** What AWS_ENDPOINT_URL is set to. */
  endpoint: string
  queueUrl(name: string): string
  /** Requests by operation since the start or the last reset. */
  calls(): Promise<Calls>
  reset(): Promise<void>
  depth(queue: string): Promise<number>
  count(bucket: string): Promise<number>
  fill(queue: string, bodies: string[]): Promise<void>
  seed(bucket: string, key: string, body: Buffer): Promise<void>
  stop(): Promise<void>
}

/** The AWS environment of a process talking to `endpoint` (credentials are never checked). */
export function awsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  }
}

/** Starts the stand-in with SSM `parameters` (name → value). */
export async function startStandin(parameters: Record<string, string> = {}): Promise<Standin> {
  const server = await startServer<{ port: number }, never>(
    join(import.meta.dirname, 'server.ts'),
    [],
    {
      STANDIN_PARAMETERS: JSON.stringify(parameters),
    },
  )
  const control = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${server.url}/__standin/${path}`, init)
    if (!response.ok)
      throw new Error(`stand-in ${path}: ${response.status} ${await response.text()}`)
    return response.json() as Promise<Record<string, unknown>>
  }
  return {
    endpoint: server.url,
    queueUrl: (name) => `${server.url}/000000000000/${name}`,
    calls: async () => (await control('stats')).calls as Calls,
    reset: async () => {
      await control('reset', { method: 'POST' })
    },
    depth: async (queue) => (await control(`depth/${queue}`)).depth as number,
    count: async (bucket) => (await control(`count/${bucket}`)).count as number,
    fill: async (queue, bodies) => {
      await control(`fill/${queue}`, { method: 'POST', body: JSON.stringify(bodies) })
    },
    seed: async (bucket, key, body) => {
      await control(`seed/${bucket}/${encodeURIComponent(key)}`, { method: 'PUT', body })
    },
    stop: () => server.stop(),
  }
}
