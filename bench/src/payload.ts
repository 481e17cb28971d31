// The message every benchmark sends: one email of about 400 bytes as JSON.
import { type Envelope, uuidv7 } from '@ferry/schemas'

export function emailData(i: number) {
  return {
    email_subject: `bench ${i}`,
    email_sender: 'sender@example.com',
    email_content: 'x'.repeat(300),
    email_timestream: 1_700_000_000 + i,
  }
}

/** The ingest-api's token in the benchmarks. */
export const BENCH_TOKEN = 'bench-token-0123456789'

/** The api's HS256 key in the benchmarks. */
export const API_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789'

/** The user whose records GET /users/{id} reads. */
export const BENCH_USER = 'bench-user'

/** The body of POST /ingest. */
export const INGEST_BODY = JSON.stringify({ data: emailData(0) })

/** A queue message as the ingest-api sends it. */
export function envelopeBody(i: number): string {
  const envelope: Envelope = {
    message_id: uuidv7(),
    received_at: new Date().toISOString(),
    payload_version: 'v1',
    data: emailData(i),
  }
  return JSON.stringify(envelope)
}
