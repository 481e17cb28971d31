import { type Static, Type } from '@sinclair/typebox'

/** One email payload. Fields beyond the four named ones are kept and published as they are. */
export const EmailData = Type.Object(
  {
    email_subject: Type.String(),
    email_sender: Type.String(),
    email_content: Type.String(),
    email_timestream: Type.Union([Type.Number(), Type.String()], {
      description: 'Positive whole unix timestamp, as a number or a string of digits',
    }),
  },
  { additionalProperties: true },
)
export type EmailData = Static<typeof EmailData>

const TokenField = Type.Optional(
  Type.Union([Type.String(), Type.Null()], {
    description: 'The shared token; prefer the Authorization: Bearer header',
  }),
)

/**
 * The request around the payload: an unknown field beside `data` is a 422 naming it (a client's
 * typo or an extra it expects kept must not vanish); fields inside `data` are the payload's own.
 */
const closed = { additionalProperties: false } as const

export const IngestRequest = Type.Object({ token: TokenField, data: EmailData }, closed)
export type IngestRequest = Static<typeof IngestRequest>

export const Accepted = Type.Object({
  status: Type.Literal('accepted'),
  message_id: Type.String({ format: 'uuid' }),
  received_at: Type.String({ format: 'date-time' }),
})
export type Accepted = Static<typeof Accepted>

export const MAX_BATCH_ITEMS = 500

export const BatchRequest = Type.Object(
  {
    token: TokenField,
    items: Type.Array(Type.Object({ data: Type.Unknown() }, closed), {
      minItems: 1,
      maxItems: MAX_BATCH_ITEMS,
      description: 'Each item is validated and published on its own',
    }),
  },
  closed,
)
export type BatchRequest = Static<typeof BatchRequest>

export const BatchResult = Type.Union([
  Type.Object({ index: Type.Integer(), ...Accepted.properties }),
  Type.Object({
    index: Type.Integer(),
    status: Type.Literal('rejected'),
    code: Type.Integer({ description: 'The HTTP status this item alone would have got' }),
    detail: Type.String(),
  }),
])
export type BatchResult = Static<typeof BatchResult>

export const BatchResponse = Type.Object({ results: Type.Array(BatchResult) })
export type BatchResponse = Static<typeof BatchResponse>
