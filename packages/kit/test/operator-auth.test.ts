import { describe, expect, it } from 'vitest'
import { requireBearer } from '../src/operator-auth.ts'

describe('requireBearer', () => {
  const check = requireBearer('operator-token-0123456789')
  const as = (authorization?: string) => check({ headers: { authorization } })

  it('admits the configured bearer token, whatever the scheme’s case', async () => {
    await expect(as('Bearer operator-token-0123456789')).resolves.toBeUndefined()
    await expect(as('bearer operator-token-0123456789')).resolves.toBeUndefined()
  })

  it('answers 401 invalid_token for a missing, malformed or wrong token', async () => {
    for (const header of [undefined, 'operator-token-0123456789', 'Bearer wrong', 'Basic x']) {
      await expect(as(header)).rejects.toMatchObject({ status: 401, code: 'invalid_token' })
    }
  })
})
