import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ObjectStore } from '@ferry/cloud'
import { metricValue } from '@ferry/kit'
import { afterEach, expect, it } from 'vitest'
import { buildTestWorker, envelope, keyOf, type TestWorker } from './helpers.ts'

let worker: TestWorker | undefined
afterEach(async () => {
  await worker?.close()
  worker = undefined
})

it('leaves on a local bucket the file <key> holding exactly the JSON the worker stored', async () => {
  const stored = new Map<string, Buffer>()
  const recording = (objects: ObjectStore): ObjectStore => ({
    ...objects,
    put: (key, body, options) => {
      if (typeof body === 'string' || Buffer.isBuffer(body)) stored.set(key, Buffer.from(body))
      return objects.put(key, body, options)
    },
  })
  worker = await buildTestWorker('local', { wrapObjects: recording })
  await worker.start()
  const e = envelope({ data: { email_subject: 'Grüße 😀', nested: { list: [1, 2.5, null] } } })
  await worker.send(e)
  await expect.poll(() => worker && metricValue(worker.metrics.deleted)).toBe(1)
  const file = join(worker.backend.bucket.slice('file://'.length), keyOf(e))
  const written = stored.get(keyOf(e))
  expect(written).toBeDefined()
  expect((await readFile(file)).equals(written as Buffer)).toBe(true)
  expect(JSON.parse((await readFile(file)).toString())).toEqual(e)
})
