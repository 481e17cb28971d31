import { setTimeout as sleep } from 'node:timers/promises'
import { isCloudError, type ObjectStore } from '@ferry/cloud'
import { activeTraceId, badRequest, conflict, serviceUnavailable } from '@ferry/kit'
import { unsafeKeyReason } from './key-rules.ts'
import { createKeySerializer } from './key-serializer.ts'
import { mergePatch } from './merge-patch.ts'
import type { Kind } from './users/kinds.ts'

/** Where the snapshot of a user's record of one kind lives in the documents bucket. */
export function documentKey(kind: Kind, userId: string): string {
  return `users/${kind}/${userId}.json`
}

const MAX_KEY_BYTES = 1024

function keyProblem(key: string): string | undefined {
  if (key === '') return 'it is empty'
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`
  return unsafeKeyReason(key)
}

/** The one check of every key a client names: throws 400 saying what is wrong with it. */
export function checkKey(key: string): void {
  const problem = keyProblem(key)
  if (problem !== undefined) throw badRequest(`Invalid key: ${problem}`, { code: 'invalid_key' })
}

/** A JSON document read from the store. */
export interface Document {
  content: unknown
}

export interface Documents {
  /** The document at `key`, or undefined when absent. 409 when the object is not JSON. */
  read(key: string): Promise<Document | undefined>
  /**
   * Creates the document only if no object has `key` (a conditional write, so two creators
   * cannot both succeed, on this replica or another); false when the key was taken.
   */
  create(key: string, content: unknown): Promise<boolean>
  /**
   * Applies a JSON Merge Patch to the document and returns the result, or undefined when absent.
   * Merges of one key run one at a time in this process; the write is conditional on the etag
   * that was read and retried on conflict, so merges from other replicas survive too. 503 when
   * it keeps losing the race.
   */
  merge(key: string, patch: unknown): Promise<Document | undefined>
  /**
   * Writes an export snapshot taken at `exportedAt`, unless the stored one is newer (a late
   * redelivery must not undo a later export). Returns whether it wrote. The active trace's id
   * goes into the object's `trace-id` metadata.
   */
  writeSnapshot(key: string, content: unknown, exportedAt: Date): Promise<boolean>
  /** Deletes a snapshot older than `exportedAt`; returns whether it deleted one. */
  removeSnapshot(key: string, exportedAt: Date): Promise<boolean>
}

export interface DocumentsOptions {
  /** Conditional-write attempts before giving up, default 20. */
  attempts?: number
  /** Upper bound of the first backoff in ms (it doubles per attempt up to 500), default 10. */
  baseDelayMs?: number
}

const JSON_TYPE = 'application/json'
const EXPORTED_AT = 'exported-at'
const TRACE_ID = 'trace-id'
const RETRY = Symbol('retry')

function retryOnConflict(error: unknown): typeof RETRY {
  if (isCloudError(error, 'PreconditionFailed')) return RETRY
  throw error
}

function isNewer(metadata: Record<string, string>, exportedAt: Date): boolean {
  const stored = Date.parse(metadata[EXPORTED_AT] ?? '')
  return !Number.isNaN(stored) && stored > exportedAt.getTime()
}

/**
 * The documents bucket as JSON documents. Store failures that may pass answer 503.
 *
 * Read-modify-writes of one key are serialized in process as well as conditional: N concurrent
 * merges on one replica then cost N round trips instead of a retry storm, and an emulator whose
 * conditional writes are not atomic under concurrent requests (moto's are not) loses nothing.
 */
export function createDocuments(store: ObjectStore, options: DocumentsOptions = {}): Documents {
  const attempts = options.attempts ?? 20
  const baseDelayMs = options.baseDelayMs ?? 10
  const serialize = createKeySerializer()

  /** Runs `attempt` until it returns something other than RETRY, with full-jitter backoff. */
  async function untilNoConflict<T>(
    key: string,
    attempt: () => Promise<T | typeof RETRY>,
  ): Promise<T> {
    for (let n = 0; n < attempts; n++) {
      const result = await attempt()
      if (result !== RETRY) return result
      await sleep(Math.random() * Math.min(500, baseDelayMs * 2 ** n))
    }
    throw serviceUnavailable(`Too many concurrent updates of ${key}; retry`, {
      retryAfterSeconds: 1,
    })
  }

  async function readWithEtag(key: string) {
    let got: Awaited<ReturnType<ObjectStore['getBuffer']>>
    try {
      got = await store.getBuffer(key)
    } catch (error) {
      if (isCloudError(error, 'NotFound')) return undefined
      throw error
    }
    try {
      return { content: JSON.parse(got.body.toString('utf8')) as unknown, etag: got.info.etag }
    } catch {
      throw conflict(`File ${key} is not a JSON document`, { code: 'not_json' })
    }
  }

  const mergeOnce = async (key: string, patch: unknown) => {
    const current = await readWithEtag(key)
    if (current === undefined) return undefined
    const content = mergePatch(current.content, patch)
    try {
      await store.put(key, JSON.stringify(content), {
        ifMatch: current.etag,
        contentType: JSON_TYPE,
      })
    } catch (error) {
      if (isCloudError(error, 'NotFound')) return undefined
      return retryOnConflict(error)
    }
    return { content }
  }

  const snapshotOnce = async (key: string, body: string, exportedAt: Date) => {
    const info = await store.head(key)
    if (info && isNewer(info.metadata, exportedAt)) return false
    const condition = info ? { ifMatch: info.etag } : { ifNoneMatch: '*' as const }
    const traceId = activeTraceId()
    const metadata = {
      [EXPORTED_AT]: exportedAt.toISOString(),
      ...(traceId ? { [TRACE_ID]: traceId } : {}),
    }
    try {
      await store.put(key, body, { ...condition, contentType: JSON_TYPE, metadata })
    } catch (error) {
      // Deleted between head and put: look again.
      if (isCloudError(error, 'NotFound')) return RETRY
      return retryOnConflict(error)
    }
    return true
  }

  return {
    async read(key) {
      const current = await readWithEtag(key)
      return current && { content: current.content }
    },

    create: (key, content) =>
      serialize(key, async () => {
        try {
          await store.put(key, JSON.stringify(content), {
            ifNoneMatch: '*',
            contentType: JSON_TYPE,
          })
          return true
        } catch (error) {
          if (isCloudError(error, 'PreconditionFailed')) return false
          throw error
        }
      }),

    merge: (key, patch) => serialize(key, () => untilNoConflict(key, () => mergeOnce(key, patch))),

    writeSnapshot: (key, content, exportedAt) => {
      const body = JSON.stringify(content)
      return serialize(key, () => untilNoConflict(key, () => snapshotOnce(key, body, exportedAt)))
    },

    async removeSnapshot(key, exportedAt) {
      const info = await store.head(key)
      if (!info || isNewer(info.metadata, exportedAt)) return false
      const { errors } = await store.delete([key])
      if (errors.length > 0) throw new Error(`could not delete ${key}: ${errors[0]?.message}`)
      return true
    },
  }
}
