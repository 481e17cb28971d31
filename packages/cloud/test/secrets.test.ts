import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudError, cacheSecret, openSecret, type Secret } from '../src/index.ts'
import { awsTestOptions, createTestParameter, type TestParameter } from '../src/testing.ts'

describe('cacheSecret', () => {
  it('serves the cached value until the TTL passes, then reads again', async () => {
    let clock = 0
    let reads = 0
    const secret = cacheSecret('t', async () => `v${++reads}`, { ttlSeconds: 60, now: () => clock })
    expect(await secret.get()).toBe('v1')
    clock = 59_999
    expect(await secret.get()).toBe('v1')
    clock = 60_000
    expect(await secret.get()).toBe('v2')
  })

  it('refreshes once for a flood of concurrent callers', async () => {
    let reads = 0
    const secret = cacheSecret(
      't',
      async () => {
        reads++
        await new Promise((r) => setTimeout(r, 20))
        return 'value'
      },
      { ttlSeconds: 60 },
    )
    const values = await Promise.all(Array.from({ length: 500 }, () => secret.get()))
    expect(new Set(values)).toEqual(new Set(['value']))
    expect(reads).toBe(1)
  })

  it('does not cache a failed read: the next call tries again', async () => {
    let reads = 0
    const secret = cacheSecret(
      't',
      async () => {
        reads++
        if (reads === 1) throw new CloudError('Unavailable', 'down')
        return 'ok'
      },
      { ttlSeconds: 60 },
    )
    await expect(secret.get()).rejects.toMatchObject({ code: 'Unavailable' })
    expect(await secret.get()).toBe('ok')
  })
})

function secretContract(
  name: string,
  setup: () => Promise<{
    open(ttl: number): Secret
    rotate(v: string): Promise<void>
    missing(): Secret
    cleanup(): Promise<void>
  }>,
) {
  describe(name, () => {
    let fixture: Awaited<ReturnType<typeof setup>>
    beforeAll(async () => {
      fixture = await setup()
    })
    afterAll(async () => fixture?.cleanup())

    it('reads the current value', async () => {
      await fixture.rotate('first')
      const secret = fixture.open(60)
      expect(await secret.get()).toBe('first')
      await secret.close()
    })

    it('sees a rotated value once the TTL has passed, without reopening', async () => {
      await fixture.rotate('before')
      const secret = fixture.open(0.2)
      expect(await secret.get()).toBe('before')
      await fixture.rotate('after')
      expect(await secret.get()).toBe('before')
      await new Promise((r) => setTimeout(r, 250))
      expect(await secret.get()).toBe('after')
      await secret.close()
    })

    it('throws NotFound for a secret that does not exist', async () => {
      const secret = fixture.missing()
      await expect(secret.get()).rejects.toBeInstanceOf(CloudError)
      await expect(secret.get()).rejects.toMatchObject({ code: 'NotFound' })
      await secret.close()
    })
  })
}

secretContract('file secret', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-secret-'))
  const path = join(dir, 'token')
  return {
    open: (ttl) => openSecret(`file://${path}`, { ttlSeconds: ttl }),
    rotate: (v) => writeFile(path, `${v}\n`),
    missing: () => openSecret(`file://${join(dir, 'absent')}`, { ttlSeconds: 1 }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
})

const aws = awsTestOptions()
describe.runIf(aws)('SSM secret (moto)', () => {
  secretContract('SSM SecureString', async () => {
    const options = aws ?? {}
    const param: TestParameter = await createTestParameter(options, 'initial')
    return {
      open: (ttl) => openSecret(param.name, { ttlSeconds: ttl, aws: options }),
      rotate: (v) => param.set(v),
      missing: () => openSecret('/ferry/test/does-not-exist', { ttlSeconds: 1, aws: options }),
      cleanup: () => param.cleanup(),
    }
  })
})
