import { createHash, randomFillSync } from 'node:crypto'

function format(bytes: Buffer): string {
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

let lastMs = 0
let sequence = 0

/** Random bytes drawn 4 KiB at a time: one system call per 256 ids, not one per id. */
const POOL = Buffer.alloc(4096)
let poolAt = POOL.length

function random16(): Buffer {
  if (poolAt + 16 > POOL.length) {
    randomFillSync(POOL)
    poolAt = 0
  }
  const bytes = Buffer.from(POOL.subarray(poolAt, poolAt + 16))
  poolAt += 16
  return bytes
}

/**
 * A UUIDv7 (RFC 9562): 48-bit unix milliseconds, then a 12-bit counter within the millisecond
 * (method 1), then random bits, so ids made by one process sort in the order they were made.
 */
export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now
    sequence = 0
  } else if (++sequence > 0xfff) {
    lastMs++
    sequence = 0
  }
  const bytes = random16()
  bytes.writeUIntBE(lastMs, 0, 6)
  bytes[6] = 0x70 | (sequence >> 8)
  bytes[7] = sequence & 0xff
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  return format(bytes)
}

/**
 * A UUIDv8 (RFC 9562, name-based with SHA-256) of `namespace` and `name`: the same inputs always
 * give the same id, so a retried request keyed by a client's idempotency key maps to one message.
 */
export function uuidFromName(namespace: string, name: string): string {
  const bytes = createHash('sha256')
    .update(namespace)
    .update('\0')
    .update(name)
    .digest()
    .subarray(0, 16)
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  return format(Buffer.from(bytes))
}
