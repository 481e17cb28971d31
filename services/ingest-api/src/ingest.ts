import { isCloudError, type Secret } from '@ferry/cloud'
import {
  assertMaxDepth,
  badRequest,
  forbidden,
  type HttpProblem,
  MAX_JSON_DEPTH,
  payloadTooLarge,
  serviceUnavailable,
  traceAttributes,
  unauthorized,
} from '@ferry/kit'
import { type Envelope, uuidFromName, uuidv7 } from '@ferry/schemas'
import { presentedToken, tokensMatch } from './bearer-token.ts'
import { createKeyMemory, fingerprint, type KeyMemory } from './idempotency.ts'
import { messageBytes, type Publisher } from './publisher.ts'
import type { Accepted, EmailData } from './schemas.ts'
import { parseUnixTimestamp } from './timestamp.ts'

/** SQS refuses a message body over 256 KiB. */
export const SQS_MAX_MESSAGE_BYTES = 262_144
const IDEMPOTENCY_NAMESPACE = 'ferry-ingest'
const RETRY_AFTER_SECONDS = 5

export interface IngestOptions {
  secret: Secret
  publisher: Publisher
  payloadVersion: string
  /** Remembers recent Idempotency-Keys; default: a fresh memory of REMEMBERED_KEYS keys. */
  keys?: KeyMemory
}

/** A payload checked and turned into its queue message, not yet published. */
export interface Prepared {
  body: string
  /** The message's attributes: the trace context of the request that prepared it. */
  attributes: Record<string, string>
  accepted: Accepted
  /** The Idempotency-Key and the payload's fingerprint, remembered once the queue accepted it. */
  idempotency?: { key: string; print: string }
}

export interface Ingestor {
  /** 401 when no token is presented (no secret read), 403 when it is wrong, 503 when unreadable. */
  authorize(authorization: string | undefined, bodyToken: string | null | undefined): Promise<void>
  /**
   * Checks one payload and builds its message without publishing anything, so a batch can check
   * every item before it queues any. `messageKey` (an idempotency key) makes the message id
   * deterministic. Throws 400 for a payload nested deeper than MAX_JSON_DEPTH (64) levels, a bad
   * timestamp or a payload that cannot be serialised, 413 for a message too large for the
   * queue, 422 for an Idempotency-Key this process accepted with another payload.
   */
  prepare(data: EmailData, messageKey?: string): Prepared
  /** Resolves once the queue accepted the message; throws 503 when the queue is unavailable. */
  publish(prepared: Prepared): Promise<Accepted>
  /** prepare, then publish. */
  accept(data: EmailData, messageKey?: string): Promise<Accepted>
}

function secretProblem(error: unknown): HttpProblem {
  if (isCloudError(error, 'NotFound')) {
    return serviceUnavailable('Token parameter not found', {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      cause: error,
    })
  }
  return serviceUnavailable('Token store (SSM) unavailable', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    cause: error,
  })
}

/** The envelope as JSON; 400 when it cannot be serialised (JSON.stringify recurses, so a deep enough value overflows the stack). */
function serialise(envelope: Envelope): string {
  try {
    return JSON.stringify(envelope)
  } catch (error) {
    throw badRequest('/data cannot be serialised as JSON', { code: 'unserialisable', cause: error })
  }
}

export function createIngestor(options: IngestOptions): Ingestor {
  const { secret, publisher, payloadVersion } = options
  const keys = options.keys ?? createKeyMemory()
  const ingestor: Ingestor = {
    async authorize(authorization, bodyToken) {
      const token = presentedToken(authorization, bodyToken)
      if (token === undefined) throw unauthorized('Token is required')
      let expected: string
      try {
        expected = await secret.get()
      } catch (error) {
        throw secretProblem(error)
      }
      if (!tokensMatch(token, expected)) throw forbidden('Invalid token')
    },

    prepare(data, messageKey) {
      assertMaxDepth(data, MAX_JSON_DEPTH, '/data')
      const timestamp = parseUnixTimestamp(data.email_timestream)
      if (timestamp === undefined) throw badRequest('email_timestream must be a unix timestamp')
      const normalised = { ...data, email_timestream: timestamp }
      // The id is derived from the key and the payload: the same payload under the same key is the
      // same message (one object downstream); another payload under it is refused while the key is
      // remembered and otherwise becomes a message of its own, never silently dropped.
      const idempotency =
        messageKey === undefined ? undefined : { key: messageKey, print: fingerprint(normalised) }
      if (idempotency) keys.check(idempotency.key, idempotency.print)
      const envelope: Envelope = {
        message_id: idempotency
          ? uuidFromName(IDEMPOTENCY_NAMESPACE, `${idempotency.key}\n${idempotency.print}`)
          : uuidv7(),
        received_at: new Date().toISOString(),
        payload_version: payloadVersion,
        data: normalised,
      }
      const body = serialise(envelope)
      const attributes = traceAttributes()
      if (messageBytes(body, attributes) > SQS_MAX_MESSAGE_BYTES) {
        throw payloadTooLarge(
          `The message would exceed the queue's limit of ${SQS_MAX_MESSAGE_BYTES} bytes`,
        )
      }
      const { message_id, received_at } = envelope
      const accepted = { status: 'accepted' as const, message_id, received_at }
      return { body, attributes, accepted, idempotency }
    },

    async publish(prepared) {
      try {
        await publisher.publish(prepared.body, prepared.attributes)
      } catch (error) {
        // A transient failure is the kit's to answer: 503 with Retry-After, naming the queue.
        if (isCloudError(error) && error.transient) throw error
        // Anything else is no fault of the client's either, and nothing was queued: 503 too.
        const refused = isCloudError(error) && error.code !== 'Unknown'
        throw serviceUnavailable(
          refused ? 'Queue (SQS) refused the message' : 'Queue (SQS) unavailable',
          { retryAfterSeconds: RETRY_AFTER_SECONDS, cause: error },
        )
      }
      const { idempotency } = prepared
      if (idempotency) keys.remember(idempotency.key, idempotency.print)
      return prepared.accepted
    },

    async accept(data, messageKey) {
      return ingestor.publish(ingestor.prepare(data, messageKey))
    },
  }
  return ingestor
}
