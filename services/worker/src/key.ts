import type { Envelope } from '@ferry/schemas'

/**
 * The placeholders an S3 key template may use; dates are UTC parts of the record's own time (see
 * keyDate).
 */
export const KEY_PLACEHOLDERS = [
  'payload_version',
  'env',
  'yyyy',
  'mm',
  'dd',
  'hh',
  'message_id',
] as const
export type KeyPlaceholder = (typeof KEY_PLACEHOLDERS)[number]

export const DEFAULT_KEY_TEMPLATE =
  'emails/{payload_version}/{env}/{yyyy}/{mm}/{dd}/{message_id}.json'

const PLACEHOLDER = /\{([^{}]*)\}/g

/**
 * Why `template` cannot key objects, or undefined when it can. It must name only known
 * placeholders, have no stray braces, not start with `/`, and contain `{message_id}`: without it
 * two messages would share a key and the second would be taken for a duplicate and dropped.
 */
export function keyTemplateProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(PLACEHOLDER)]
    .map((m) => m[1] ?? '')
    .filter((name) => !(KEY_PLACEHOLDERS as readonly string[]).includes(name))
  if (unknown.length > 0) {
    const known = KEY_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')
    return `unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}; known: ${known}`
  }
  if (/[{}]/.test(template.replaceAll(PLACEHOLDER, ''))) return 'has an unmatched { or }'
  if (template.startsWith('/')) return 'must not start with /'
  if (!template.includes('{message_id}')) return 'must contain {message_id}'
  return undefined
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The latest instant a four-digit year holds: 9999-12-31T23:59:59Z, in unix seconds. */
const MAX_KEY_SECONDS = 253_402_300_799

/**
 * The instant that dates an envelope's key: the email's own `email_timestream` (unix seconds, a
 * number or a string of digits), which a client's retry repeats; `received_at` changes with every
 * retry through the ingest-api, so it only stands in for envelopes without a usable timestamp.
 */
export function keyDate(envelope: Envelope): Date {
  const raw = envelope.data.email_timestream
  const seconds =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : 0
  if (Number.isSafeInteger(seconds) && seconds > 0 && seconds <= MAX_KEY_SECONDS) {
    return new Date(seconds * 1000)
  }
  return new Date(envelope.received_at)
}

/** The values of every placeholder for one envelope. */
function placeholderValues(envelope: Envelope, env: string): Record<KeyPlaceholder, string> {
  const at = keyDate(envelope)
  return {
    payload_version: envelope.payload_version,
    env,
    yyyy: String(at.getUTCFullYear()),
    mm: pad(at.getUTCMonth() + 1),
    dd: pad(at.getUTCDate()),
    hh: pad(at.getUTCHours()),
    message_id: envelope.message_id,
  }
}

/**
 * Compiles a template (checked with keyTemplateProblem; throws if it fails) into the function
 * that keys an envelope. The key depends on the envelope and `env` only, never on the clock, and
 * its date on the email's own timestamp, so a redelivery or a client's retry on another day lands
 * on the same key.
 */
export function compileKeyTemplate(template: string, env: string): (envelope: Envelope) => string {
  const problem = keyTemplateProblem(template)
  if (problem) throw new Error(`key template ${JSON.stringify(template)}: ${problem}`)
  return (envelope) => {
    const values = placeholderValues(envelope, env)
    return template.replaceAll(PLACEHOLDER, (_, name: KeyPlaceholder) => values[name])
  }
}
