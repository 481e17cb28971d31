import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { registerFormats } from './formats.ts'

registerFormats()

/** The versions of the queue envelope a consumer must accept. */
export const PAYLOAD_VERSIONS = ['v1'] as const

/**
 * The JSON body of every message on the ingest queue. `message_id` is chosen by the producer and
 * keys every downstream write, so a redelivery overwrites and never duplicates.
 */
export const Envelope = Type.Object(
  {
    message_id: Type.String({ format: 'uuid', description: 'UUID chosen by the producer' }),
    received_at: Type.String({ format: 'date-time', description: 'RFC 3339 UTC' }),
    payload_version: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9._-]+$' }),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'Envelope', additionalProperties: false },
)
export type Envelope = Static<typeof Envelope>

export type ParsedEnvelope = { ok: true; envelope: Envelope } | { ok: false; reason: string }

/**
 * Parses a queue message body. Never throws: a body that is not JSON, not an envelope, or of a
 * version this code does not know is reported with a reason that names the problem but never
 * echoes the body.
 */
export function parseEnvelope(body: string): ParsedEnvelope {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return { ok: false, reason: 'body is not JSON' }
  }
  if (!Value.Check(Envelope, value)) {
    const first = Value.Errors(Envelope, value).First()
    const where = first ? `${first.path || '/'}: ${first.message}` : 'unknown'
    return { ok: false, reason: `not an envelope (${where})` }
  }
  if (!(PAYLOAD_VERSIONS as readonly string[]).includes(value.payload_version)) {
    return { ok: false, reason: `unknown payload_version ${value.payload_version}` }
  }
  return { ok: true, envelope: value }
}
