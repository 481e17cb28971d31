// `node src/servers/puts.ts standin N` | `aws N <bucket>`: the worker's reference — N raw
// PutObject calls of the same bodies with the same options at the same concurrency, no queue.
// Prints a DrainResult line.
import { type ObjectStore, openObjects } from '@ferry/cloud'
import { memoryStore } from '@ferry/cloud/testing'
import { envelopeBody } from '../payload.ts'
import { probeStore } from '../probes.ts'
import {
  awsFromEnv,
  CONCURRENCY,
  type DrainResult,
  drainResult,
  PUT_OPTIONS,
  STANDIN_PUT_MS,
} from '../worker-settings.ts'
import { printResult } from './child.ts'

async function putAll(mode: string, n: number): Promise<DrainResult> {
  const inner: ObjectStore =
    mode === 'standin'
      ? memoryStore(STANDIN_PUT_MS)
      : openObjects(process.argv[4] ?? '', { aws: awsFromEnv() })
  const { store, calls, putLatenciesMs } = probeStore(inner)
  const bodies = Array.from({ length: n }, (_, i) => envelopeBody(i))
  const prefix = `reference/${Date.now()}`
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < n; i = next++) {
        await store.put(`${prefix}/${i}.json`, bodies[i] ?? '', PUT_OPTIONS)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  await store.close()
  return drainResult(n, seconds, calls, putLatenciesMs)
}

if (import.meta.main) {
  printResult(await putAll(process.argv[2] ?? 'standin', Number(process.argv[3] ?? 20_000)))
}
