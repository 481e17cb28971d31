/**
 * A queue in a local directory, shared safely by any number of processes on one machine.
 *
 * Layout of `<dir>`:
 *   messages/<visibleAt>.<messageId>.<generation>   one file per message (JSON StoredMessage)
 *   tmp/                                             sends are written here, then renamed in
 *   dead-letter/                                     the dead-letter queue, same layout
 *
 * The file NAME is the message's whole mutable state; the content never changes after send.
 * `visibleAt` is epoch milliseconds padded to 15 digits, so names sort by visibility then by the
 * time-ordered UUIDv7. `generation` counts receives. Every state change is one atomic `rename()` of
 * a name the caller listed: receiving renames to a later visibleAt and generation + 1, so when
 * two processes claim one message only one rename succeeds (the other gets ENOENT and moves on).
 * A receipt handle is the file name at receive time; `<messageId>.<generation>` identifies the
 * lease, so changeVisibility (which keeps the generation) leaves the handle valid and any later
 * receive invalidates it. Delete is `unlink()` of the leased name.
 *
 * It behaves as an SQS standard queue: `groupId` and `deduplicationId` are ignored.
 */
import { access, constants, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CloudError } from '../../errors.ts'
import type { OutgoingMessage, Queue, ReceiveOptions, SendResult } from '../queue.ts'
import { fsError, syncDirectory, writeMessage } from './files.ts'
import {
  claimVisible,
  countMessages,
  deleteLeased,
  leaseState,
  setLeaseVisibility,
} from './lease.ts'

export interface LocalQueueOptions {
  /** Receives after which a message moves to `<dir>/dead-letter`. Unset: never. */
  maxReceiveCount?: number
  /** Seconds a received message stays invisible; default 30. */
  visibilityTimeout?: number
}

const POLL_MS = 50
const MAX_BATCH = 10
const MAX_BATCH_BYTES = 1024 * 1024
const MAX_VISIBILITY_SECONDS = 43_200
const STALE_HANDLE = 'receipt handle is not valid: the message was deleted or received again'

function invalid(message: string): CloudError {
  return new CloudError('InvalidArgument', message)
}

/** Throws InvalidArgument for a batch SQS refuses whole: over 10 entries or 1 MiB, repeated ids. */
export function checkBatch(messages: OutgoingMessage[]): void {
  if (messages.length > MAX_BATCH) {
    throw invalid(`a batch holds at most 10 messages, not ${messages.length}`)
  }
  const ids = new Set(messages.map((m) => m.id))
  if (ids.size !== messages.length) throw invalid('message ids in one batch must be distinct')
  const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0)
  if (bytes > MAX_BATCH_BYTES) throw invalid(`a batch holds at most 1 MiB, not ${bytes} bytes`)
}

function checkWhole(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be a whole number from ${min} to ${max}, not ${value}`)
  }
  return value
}

/** Opens the queue in `dir`; its directories are made on first use. */
export function openLocalQueue(dir: string, options: LocalQueueOptions = {}): Queue {
  const dirs = {
    messages: join(dir, 'messages'),
    tmp: join(dir, 'tmp'),
    deadLetter: join(dir, 'dead-letter', 'messages'),
  }
  const state = leaseState(dirs)
  const visibility = options.visibilityTimeout ?? 30
  checkWhole('visibilityTimeout', visibility, 0, MAX_VISIBILITY_SECONDS)
  const closing = new AbortController()
  let ready: Promise<void> | undefined

  const ensure = () => {
    ready ??= Promise.all([
      mkdir(dirs.messages, { recursive: true }),
      mkdir(dirs.tmp, { recursive: true }),
    ]).then(
      () => undefined,
      (error: unknown) => {
        ready = undefined
        throw fsError(error, `local queue ${dir}`)
      },
    )
    return ready
  }

  const sendOne = async (message: OutgoingMessage, sentAt: number) => {
    const stored = { body: message.body, attributes: message.attributes ?? {}, sentAt }
    return writeMessage(dirs, stored, sentAt + (message.delaySeconds ?? 0) * 1000)
  }

  /** One attempt, then polls every POLL_MS until a message comes, the wait ends or `signal` aborts. */
  const poll = async (max: number, seconds: number, waitMs: number, signal: AbortSignal) => {
    const deadline = Date.now() + waitMs
    for (;;) {
      if (signal.aborted) return []
      const received = await claimVisible(state, {
        max,
        seconds,
        maxReceiveCount: options.maxReceiveCount,
      }).catch((error: unknown) => {
        throw fsError(error, `receive from ${dir}`)
      })
      const left = deadline - Date.now()
      if (received.length > 0 || left <= 0) return received
      await sleep(Math.min(POLL_MS, left), undefined, { signal }).catch(() => undefined)
    }
  }

  return {
    url: `file://${dir}`,

    async send(messages) {
      checkBatch(messages)
      await ensure()
      const sentAt = Date.now()
      const written = await Promise.allSettled(messages.map((m) => sendOne(m, sentAt)))
      const result: SendResult = { successful: [], failed: [] }
      for (const [index, outcome] of written.entries()) {
        const id = messages[index]?.id ?? ''
        if (outcome.status === 'fulfilled') {
          result.successful.push({ id, messageId: outcome.value })
        } else {
          const { code, message } = fsError(outcome.reason, `send to ${dir}`)
          result.failed.push({ id, code, message, transient: true })
        }
      }
      if (result.successful.length > 0) await syncDirectory(dirs.messages).catch(() => undefined)
      return result
    },

    async receive(receiveOptions: ReceiveOptions = {}) {
      const max = checkWhole('maxMessages', receiveOptions.maxMessages ?? MAX_BATCH, 1, MAX_BATCH)
      const waitSeconds = checkWhole('waitSeconds', receiveOptions.waitSeconds ?? 20, 0, 20)
      const seconds = checkWhole(
        'visibilityTimeout',
        receiveOptions.visibilityTimeout ?? visibility,
        0,
        MAX_VISIBILITY_SECONDS,
      )
      const signal = receiveOptions.signal
        ? AbortSignal.any([receiveOptions.signal, closing.signal])
        : closing.signal
      await ensure()
      return poll(max, seconds, waitSeconds * 1000, signal)
    },

    async delete(receiptHandles) {
      if (receiptHandles.length > MAX_BATCH) {
        throw invalid(`delete takes at most 10 handles, not ${receiptHandles.length}`)
      }
      const outcomes = await Promise.allSettled(receiptHandles.map((h) => deleteLeased(state, h)))
      const failed: { receiptHandle: string; message: string }[] = []
      for (const [index, outcome] of outcomes.entries()) {
        const receiptHandle = receiptHandles[index] ?? ''
        if (outcome.status === 'rejected') {
          failed.push({
            receiptHandle,
            message: fsError(outcome.reason, `delete from ${dir}`).message,
          })
        } else if (!outcome.value) {
          failed.push({ receiptHandle, message: STALE_HANDLE })
        }
      }
      return { failed }
    },

    async changeVisibility(receiptHandle, seconds) {
      checkWhole('seconds', seconds, 0, MAX_VISIBILITY_SECONDS)
      const changed = await setLeaseVisibility(state, receiptHandle, seconds).catch(
        (error: unknown) => {
          throw fsError(error, `change visibility in ${dir}`)
        },
      )
      if (!changed) throw invalid(STALE_HANDLE)
    },

    async depth() {
      await ensure()
      return countMessages(dirs).catch((error: unknown) => {
        throw fsError(error, `depth of ${dir}`)
      })
    },

    async ping() {
      await ensure()
      await access(dirs.messages, constants.R_OK | constants.W_OK).catch((error: unknown) => {
        throw fsError(error, `local queue ${dir}`)
      })
    },

    async close() {
      closing.abort()
    },
  }
}
