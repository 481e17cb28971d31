import { describe, expect, it, vi } from 'vitest'
import { compileKeyTemplate, DEFAULT_KEY_TEMPLATE, keyTemplateProblem } from '../src/key.ts'
import { envelope } from './helpers.ts'

describe('compileKeyTemplate', () => {
  it('renders the default template from the envelope and the environment', () => {
    const e = envelope({ received_at: '2024-03-09T22:15:30.123Z' })
    const key = compileKeyTemplate(DEFAULT_KEY_TEMPLATE, 'prod')(e)
    expect(key).toBe(`emails/v1/prod/2024/03/09/${e.message_id}.json`)
  })

  it('takes the date in UTC from received_at when the payload has no email_timestream', () => {
    const e = envelope({ received_at: '2024-12-31T23:30:00-02:00' })
    const key = compileKeyTemplate('{yyyy}/{mm}/{dd}/{hh}/{message_id}', 'x')(e)
    expect(key).toBe(`2025/01/01/01/${e.message_id}`)
  })

  it('gives a redelivery on another day the same key, whatever the clock says', () => {
    const e = envelope({ received_at: '2020-02-29T00:00:00Z' })
    const render = compileKeyTemplate(DEFAULT_KEY_TEMPLATE, 'dev')
    vi.useFakeTimers()
    try {
      vi.setSystemTime(new Date('2020-02-29T00:00:01Z'))
      const first = render(e)
      vi.setSystemTime(new Date('2021-07-04T12:00:00Z'))
      expect(render(e)).toBe(first)
      expect(first).toBe(`emails/v1/dev/2020/02/29/${e.message_id}.json`)
    } finally {
      vi.useRealTimers()
    }
  })

  it('dates the key by the email_timestream of the payload, not received_at', () => {
    const e = envelope({
      received_at: '2024-03-09T22:15:30.123Z',
      data: { email_subject: 's', email_timestream: 1_700_000_000 },
    })
    const key = compileKeyTemplate('{yyyy}/{mm}/{dd}/{hh}/{message_id}', 'x')(e)
    expect(key).toBe(`2023/11/14/22/${e.message_id}`)
  })

  it('gives a client retry received on another day (same id and timestamp) the same key', () => {
    const render = compileKeyTemplate(DEFAULT_KEY_TEMPLATE, 'prod')
    const data = { email_subject: 's', email_timestream: '1700000000' }
    const first = envelope({ received_at: '2023-11-14T23:59:59.900Z', data })
    const retry = { ...first, received_at: '2023-11-15T00:00:03.100Z' }
    expect(render(retry)).toBe(render(first))
    expect(render(first)).toBe(`emails/v1/prod/2023/11/14/${first.message_id}.json`)
  })

  it.each([0, -5, 12.5, 'abc', 1e20, null])(
    'falls back to received_at for an email_timestream of %j',
    (value) => {
      const e = envelope({ data: { email_timestream: value } })
      expect(compileKeyTemplate('{yyyy}/{mm}/{dd}/{message_id}', 'x')(e)).toBe(
        `2024/03/09/${e.message_id}`,
      )
    },
  )

  it('refuses to compile a template it cannot render', () => {
    expect(() => compileKeyTemplate('a/{nope}/{message_id}', 'dev')).toThrow(/\{nope\}/)
  })
})

describe('keyTemplateProblem', () => {
  it('accepts every known placeholder', () => {
    expect(
      keyTemplateProblem('{payload_version}/{env}/{yyyy}/{mm}/{dd}/{hh}/{message_id}.json'),
    ).toBeUndefined()
  })

  it('names unknown placeholders and lists the known ones', () => {
    const problem = keyTemplateProblem('emails/{year}/{id}/{message_id}')
    expect(problem).toMatch(/^unknown placeholder \{year\}, \{id\}; known: \{payload_version\}/)
  })

  it('rejects a template without {message_id}, which would merge messages into one object', () => {
    expect(keyTemplateProblem('emails/{yyyy}/{mm}/{dd}.json')).toBe('must contain {message_id}')
  })

  it('rejects an unmatched brace', () => {
    expect(keyTemplateProblem('emails/{yyyy/{message_id}')).toBe('has an unmatched { or }')
  })

  it('rejects a leading slash', () => {
    expect(keyTemplateProblem('/emails/{message_id}')).toBe('must not start with /')
  })
})
