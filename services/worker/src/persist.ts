import type { ObjectStore } from '@ferry/cloud'
import { isCloudError } from '@ferry/cloud'
import type { Envelope } from '@ferry/schemas'

export type WriteOutcome = 'written' | 'duplicate'

/** The object's user metadata key (S3: `x-amz-meta-trace-id`) holding the trace that wrote it. */
export const TRACE_ID_METADATA = 'trace-id'

/**
 * Writes `envelope` as JSON under `key` in one conditional PutObject (If-None-Match: *) with a
 * checksum S3 verifies, `traceId` (when given) in its metadata. Resolves 'written', or 'duplicate' when the object already exists;
 * throws the store's CloudError otherwise. A refused condition is confirmed with a HEAD before
 * it counts as a duplicate: S3 also refuses a write that races another in-progress write of the
 * key (409 ConditionalRequestConflict, which the cloud port reports as PreconditionFailed too), and
 * that other write may still fail, so only an object that exists makes the message done.
 */
export async function persistEnvelope(
  objects: ObjectStore,
  key: string,
  envelope: Envelope,
  traceId?: string,
): Promise<WriteOutcome> {
  try {
    await objects.put(key, JSON.stringify(envelope), {
      contentType: 'application/json',
      ...(traceId ? { metadata: { [TRACE_ID_METADATA]: traceId } } : {}),
      ifNoneMatch: '*',
      checksum: 'SHA256',
    })
    return 'written'
  } catch (error) {
    if (isCloudError(error, 'PreconditionFailed') && (await objects.head(key))) return 'duplicate'
    throw error
  }
}
