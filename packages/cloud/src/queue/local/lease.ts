/**
 * The state changes of the local queue, each one atomic `rename()` or `unlink()` of a message file
 * (see the layout in driver.ts). A caller that loses a race sees ENOENT and moves on.
 */
import { mkdir, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { QueueDepth, ReceivedMessage } from '../queue.ts'
import {
  errnoOf,
  formatName,
  leaseOf,
  listMessages,
  type MessageName,
  parseName,
  renameIfPresent,
  type StoredMessage,
} from './files.ts'

export interface QueueDirs {
  messages: string
  /** `<dir>/dead-letter/messages`. */
  deadLetter: string
}

/**
 * What one queue instance remembers between calls, to spare a directory listing per call: visible
 * names from the last listing (a name that changed since simply fails to rename), and the current
 * names of leases this instance moved with changeVisibility.
 */
export interface LeaseState extends QueueDirs {
  /** Oldest last, so `pop()` takes the oldest. */
  candidates: MessageName[]
  listedAt: number
  moved: Map<string, string>
}

/** A listing older than this is refreshed, so redeliveries and new sends are not left waiting. */
const LISTING_MAX_AGE_MS = 1000
const MOVED_MAX = 10_000

export function leaseState(dirs: QueueDirs): LeaseState {
  return { ...dirs, candidates: [], listedAt: 0, moved: new Map() }
}

/** Moves an exhausted message to the dead-letter queue, keeping its name's id and count. */
async function deadLetter(state: LeaseState, name: MessageName): Promise<void> {
  await mkdir(state.deadLetter, { recursive: true })
  const target = formatName({ ...name, visibleAt: Date.now() })
  await renameIfPresent(join(state.messages, formatName(name)), join(state.deadLetter, target))
}

async function claim(
  state: LeaseState,
  name: MessageName,
  seconds: number,
): Promise<ReceivedMessage | undefined> {
  const generation = name.generation + 1
  const handle = formatName({ ...name, visibleAt: Date.now() + seconds * 1000, generation })
  const path = join(state.messages, handle)
  if (!(await renameIfPresent(join(state.messages, formatName(name)), path))) return undefined
  let stored: StoredMessage
  try {
    stored = JSON.parse(await readFile(path, 'utf8')) as StoredMessage
  } catch (error) {
    // With a zero visibility timeout another receiver may already have taken it again.
    if (errnoOf(error) === 'ENOENT') return undefined
    throw error
  }
  return {
    messageId: name.messageId,
    receiptHandle: handle,
    body: stored.body,
    attributes: stored.attributes,
    receiveCount: generation,
    sentAt: new Date(stored.sentAt),
  }
}

async function relist(state: LeaseState): Promise<void> {
  const now = Date.now()
  state.candidates = (await listMessages(state.messages))
    .filter((n) => n.visibleAt <= now)
    .sort((a, b) => b.visibleAt - a.visibleAt || (a.messageId < b.messageId ? 1 : -1))
  state.listedAt = now
}

interface ClaimOptions {
  max: number
  seconds: number
  maxReceiveCount: number | undefined
}

/** Claims (or dead-letters) a candidate; undefined when it went to the DLQ or another receiver. */
async function take(state: LeaseState, name: MessageName, options: ClaimOptions) {
  if (options.maxReceiveCount !== undefined && name.generation >= options.maxReceiveCount) {
    await deadLetter(state, name)
    return undefined
  }
  return claim(state, name, options.seconds)
}

async function claimCandidates(state: LeaseState, options: ClaimOptions, into: ReceivedMessage[]) {
  while (into.length < options.max && state.candidates.length > 0) {
    const names = state.candidates.splice(-(options.max - into.length)).reverse()
    const taken = await Promise.all(names.map((name) => take(state, name, options)))
    for (const message of taken) if (message) into.push(message)
  }
}

/**
 * Leases up to `max` visible messages, oldest first, for `seconds`. A visible message already
 * received `maxReceiveCount` times goes to the dead-letter queue instead.
 */
export async function claimVisible(
  state: LeaseState,
  options: ClaimOptions,
): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = []
  const stale = state.candidates.length === 0 || Date.now() - state.listedAt > LISTING_MAX_AGE_MS
  if (stale) await relist(state)
  await claimCandidates(state, options, received)
  if (received.length < options.max && !stale) {
    await relist(state)
    await claimCandidates(state, options, received)
  }
  return received
}

/**
 * Applies `act` to the current file of the lease `handle` names: the handle's own name, then the
 * name this instance last moved it to, then a search of the directory. False when the lease is
 * gone (deleted, or received again).
 */
async function withLease(
  state: LeaseState,
  handle: string,
  act: (path: string) => Promise<boolean>,
): Promise<boolean> {
  const name = parseName(handle)
  if (!name) return false
  const lease = leaseOf(name)
  const moved = state.moved.get(lease)
  if (await act(join(state.messages, handle))) return true
  if (moved && (await act(join(state.messages, moved)))) return true
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = (await listMessages(state.messages)).find((n) => leaseOf(n) === lease)
    if (!current) return false
    if (await act(join(state.messages, formatName(current)))) return true
  }
  return false
}

/** Deletes the leased message; false when the handle is no longer valid. */
export async function deleteLeased(state: LeaseState, handle: string): Promise<boolean> {
  const deleted = await withLease(state, handle, async (path) => {
    try {
      await unlink(path)
      return true
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return false
      throw error
    }
  })
  const name = parseName(handle)
  if (name) state.moved.delete(leaseOf(name))
  return deleted
}

/** Makes the leased message visible `seconds` from now; false when the handle is no longer valid. */
export async function setLeaseVisibility(
  state: LeaseState,
  handle: string,
  seconds: number,
): Promise<boolean> {
  const name = parseName(handle)
  if (!name) return false
  const target = formatName({ ...name, visibleAt: Date.now() + seconds * 1000 })
  const changed = await withLease(state, handle, (path) =>
    renameIfPresent(path, join(state.messages, target)),
  )
  if (state.moved.size >= MOVED_MAX) state.moved.clear()
  if (changed) state.moved.set(leaseOf(name), target)
  return changed
}

/** Visible messages, and received ones still leased (delayed sends count in neither). */
export async function countMessages(dirs: QueueDirs): Promise<QueueDepth> {
  const now = Date.now()
  const depth = { visible: 0, inFlight: 0 }
  for (const name of await listMessages(dirs.messages)) {
    if (name.visibleAt <= now) depth.visible++
    else if (name.generation > 0) depth.inFlight++
  }
  return depth
}
