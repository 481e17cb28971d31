import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openQueue } from '@ferry/cloud'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startService } from '../src/index.ts'
import { bulkIngest } from './bulk.ts'

const TOKEN = 'selftest-token'

describe('bulk-ingest against a real ingest-api process (local drivers)', () => {
  let dir: string
  let ingest: Running
  let queueUrl: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulk-selftest-'))
    await writeFile(join(dir, 'token'), TOKEN)
    queueUrl = `file://${join(dir, 'queue')}`
    ingest = await startService('ingest-api', {
      SSM_TOKEN_PARAM: `file://${join(dir, 'token')}`,
      SQS_QUEUE_URL: queueUrl,
    })
  })
  afterAll(async () => {
    expect(await ingest.stop()).toBe(0)
    await rm(dir, { recursive: true, force: true })
  })

  it('--selftest gets 10×200, 403, 401, 400, 422 and exits 0', async () => {
    const result = await bulkIngest(['--selftest', '--url', ingest.url], TOKEN)
    expect(result.stdout).toContain('selftest passed')
    expect(result.code).toBe(0)
  })

  it('--generate N puts exactly N more messages on the queue', async () => {
    const queue = openQueue(queueUrl)
    const before = (await queue.depth()).visible
    const result = await bulkIngest(
      ['--generate', '30', '--url', ingest.url, '--concurrency', '8', '--plain'],
      TOKEN,
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('200: 30')
    expect((await queue.depth()).visible - before).toBe(30)
    await queue.close()
  })
})
