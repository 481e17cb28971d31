import { describe, expect, it } from 'vitest'
import { parseEnvelope } from '../src/index.ts'

const valid = {
  message_id: '0192f4a0-7b3c-7def-8abc-0123456789ab',
  received_at: '2026-11-22T10:00:00.000Z',
  payload_version: 'v1',
  data: { email_subject: 'hi' },
}

describe('parseEnvelope', () => {
  it('accepts a v1 envelope and returns it', () => {
    const parsed = parseEnvelope(JSON.stringify(valid))
    expect(parsed).toEqual({ ok: true, envelope: valid })
  })

  it('rejects a body that is not JSON without echoing it', () => {
    const parsed = parseEnvelope('secret-not-json{')
    expect(parsed).toEqual({ ok: false, reason: 'body is not JSON' })
  })

  it('rejects an envelope whose message_id is not a uuid, naming the field', () => {
    const parsed = parseEnvelope(JSON.stringify({ ...valid, message_id: 'nope' }))
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.reason).toContain('/message_id')
  })

  it('rejects an envelope whose received_at is not a date-time', () => {
    const parsed = parseEnvelope(JSON.stringify({ ...valid, received_at: 'yesterday' }))
    expect(parsed.ok).toBe(false)
  })

  it('rejects a missing data object', () => {
    const { data: _data, ...rest } = valid
    expect(parseEnvelope(JSON.stringify(rest)).ok).toBe(false)
  })

  it('rejects a payload_version it does not know', () => {
    const parsed = parseEnvelope(JSON.stringify({ ...valid, payload_version: 'v9' }))
    expect(parsed).toEqual({ ok: false, reason: 'unknown payload_version v9' })
  })
})
