// `node src/memory.ts` (DATABASE_URL=postgres://…): each service's resident memory at rest, once
// from its sources as development runs them (`node src/main.ts`, type stripping) and once as its
// image runs it (the bundle, with the image's node flags), both on the local drivers `npm start`
// gives it (a temporary data directory; a fresh schema where it has a database). RSS is read
// after /health answers and the process has idled 2 s. Prints one Markdown table.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestDatabase } from '@ferry/db/testing'
import { SERVICES } from '@ferry/deploy/bundle'
import { localEnv } from '@ferry/deploy/local-env'
import { IMAGE_NODE_FLAGS, serviceMain, serviceSource, startProcess } from './real-process.ts'

const SETTLE_MS = 2000

async function idleRss(name: string, script: string, env: Record<string, string>, flags: string[]) {
  const service = await startProcess(name, script, env, flags)
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS))
    return service.rssMb() ?? Number.NaN
  } finally {
    await service.stop()
  }
}

if (import.meta.main) {
  const dataDir = await mkdtemp(join(tmpdir(), 'ferry-memory-'))
  const databases: TestDatabase[] = []
  const rows: string[] = []
  try {
    for (const service of SERVICES) {
      const env = { ...(await localEnv(service, dataDir, databases)), LOG_LEVEL: 'info' }
      const sources = await idleRss(service, serviceSource(service), env, [])
      const image = await idleRss(service, await serviceMain(service), env, IMAGE_NODE_FLAGS)
      rows.push(
        `| ${service} | ${sources.toFixed(0)} | ${image.toFixed(0)} | ${(sources - image).toFixed(0)} |`,
      )
    }
  } finally {
    for (const db of databases) await db.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  }
  console.log(
    [
      `| service | sources (node src/main.ts), MB | image (node ${IMAGE_NODE_FLAGS.join(' ')} dist/main.js), MB | saved, MB |`,
      '| --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  )
}
