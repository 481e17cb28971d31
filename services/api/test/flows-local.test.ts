import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openObjects } from '@ferry/cloud'
import { describe, expect, it } from 'vitest'
import { createDocuments } from '../src/documents.ts'
import { describeFlows } from './flows.ts'

describe('on the local drivers', () => describeFlows('local'))

// Two replicas contending for one key, each through its own store handle. Run on the local
// driver only: moto's conditional PUTs are not atomic under concurrent requests (two PUTs with
// the same If-Match, or two with If-None-Match: *, can both succeed), so these would fail there
// for moto's reasons, not ours. One replica serializes its own writes of a key, so the app-level
// concurrency tests in flows.ts hold on moto as well.
describe('two replicas writing one key at once', () => {
  it('keeps every one of 10 concurrent merges split across two replicas', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-api-replicas-'))
    try {
      const replicas = [0, 1].map(() => createDocuments(openObjects(`file://${dir}`)))
      const [first] = replicas
      await first?.create('shared.json', {})
      const fields = Array.from({ length: 10 }, (_, i) => `field_${i}`)
      await Promise.all(fields.map((f, i) => replicas[i % 2]?.merge('shared.json', { [f]: i })))
      const content = (await first?.read('shared.json'))?.content
      expect(content).toEqual(Object.fromEntries(fields.map((f, i) => [f, i])))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('lets exactly one of 10 concurrent creates across two replicas win', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-api-replicas-'))
    try {
      const replicas = [0, 1].map(() => createDocuments(openObjects(`file://${dir}`)))
      const writers = Array.from({ length: 10 }, (_, i) => i)
      const won = await Promise.all(
        writers.map((i) => replicas[i % 2]?.create('new.json', { writer: i })),
      )
      expect(won.filter(Boolean)).toHaveLength(1)
      const content = (await replicas[0]?.read('new.json'))?.content
      expect(content).toEqual({ writer: won.indexOf(true) })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
