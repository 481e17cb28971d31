// `node src/servers/puts.ts N`: the worker's logic-alone reference — N raw PutObject calls of the
// same bodies with the same options at the same concurrency to the in-process stand-in, no queue.
// Prints a DrainResult line.
import { memoryStore } from '@ferry/cloud/testing'
import { envelopeBody } from '../payload.ts'
import { probeStore } from '../probes.ts'
import {
  CONCURRENCY,
  type DrainResult,
  drainResult,
  PUT_OPTIONS,
  STANDIN_PUT_MS,
} from '../worker-settings.ts'
import { printResult } from './child.ts'

async function putAll(n: number): Promise<DrainResult> {
  const { store, calls, putLatenciesMs } = probeStore(memoryStore(STANDIN_PUT_MS))
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
  printResult(await putAll(Number(process.argv[2] ?? 20_000)))
}
