import { createHash } from 'node:crypto'
import { unprocessable } from '@ferry/kit'

/** How many Idempotency-Keys a process remembers (about 100 bytes each). */
export const REMEMBERED_KEYS = 10_000

/** JSON with every object's keys sorted, so the same payload always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** sha256 of the payload's canonical JSON: equal for equal payloads whatever their key order. */
export function fingerprint(data: unknown): string {
  return createHash('sha256').update(canonical(data)).digest('hex')
}

/**
 * The payload fingerprints of the most recent Idempotency-Keys this process accepted. Memory only:
 * it catches a key reused with another payload while the key is remembered; beyond that the
 * message id (derived from key and fingerprint) keeps both payloads apart, so none is dropped.
 */
export interface KeyMemory {
  /** Throws 422 `idempotency_key_reused` when `key` was accepted with another payload. */
  check(key: string, print: string): void
  /** Records that `key` was accepted with the payload `print`. */
  remember(key: string, print: string): void
}

export function createKeyMemory(max = REMEMBERED_KEYS): KeyMemory {
  const prints = new Map<string, string>()
  return {
    check(key, print) {
      const known = prints.get(key)
      if (known === undefined || known === print) return
      throw unprocessable(
        'This Idempotency-Key was already used with a different payload; use a new key.',
        [
          {
            path: '/headers/idempotency-key',
            message: 'was already used with a different payload',
          },
        ],
        { code: 'idempotency_key_reused' },
      )
    },
    remember(key, print) {
      prints.delete(key)
      prints.set(key, print)
      if (prints.size > max) {
        const oldest = prints.keys().next().value
        if (oldest !== undefined) prints.delete(oldest)
      }
    },
  }
}
