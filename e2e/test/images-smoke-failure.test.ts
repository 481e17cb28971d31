import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../src/index.ts'

const run = promisify(execFile)
const SERVICES = ['api', 'ingest-api', 'worker', 'clearinghouse']

// e2e/images/smoke.ts is what decides whether .ci/images.sh passes. Here every buildah command
// fails and nothing listens at the AWS endpoint: it must still print its table, say what failed
// for every image and exit non-zero (a step that failed must never read as passed).
describe('e2e/images/smoke.ts when nothing works', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-images-smoke-'))
    await writeFile(
      join(dir, 'buildah'),
      '#!/bin/sh\necho "fake buildah: no images here ($*)" >&2\nexit 125\n',
    )
    await chmod(join(dir, 'buildah'), 0o755)
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prints every image as failed, checks as not run, and exits 1', async () => {
    const closed = await freePort()
    const result = await run(
      process.execPath,
      [
        join(ROOT, 'e2e/images/smoke.ts'),
        '--base-bytes',
        '1000',
        '--database',
        'postgres://postgres@127.0.0.1:1/postgres',
        ...SERVICES.map((s) => `${s}=localhost/ferry-ci/${s}:latest`),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PATH: `${dir}:${process.env.PATH}`,
          FERRY_IMAGES_STORE: dir,
          AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}`,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
        },
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    )
    expect(result.code).toBe(1)
    const rows = result.stdout
      .trim()
      .split('\n')
      .slice(2)
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      )
    expect(rows).toEqual(SERVICES.map((s) => [s, '', '', 'not run', 'no', 'FAILED', 'not started']))
    for (const s of SERVICES) {
      expect(result.stderr).toContain(`${s}: Command failed: buildah`)
      expect(result.stderr).toContain(`${s}: SIGTERM: not started`)
    }
  })
})
