/**
 * The dead letters of a local queue (see driver.ts for the layout): `<dir>/dead-letter/messages`
 * holds them under the same file names, the generation being the receives that failed. A redrive
 * renames a file back into `<dir>/messages` with generation 0 and visible now, one atomic rename
 * per message, so it is received afresh exactly as an SQS redrive would deliver it. The status of
 * the latest redrive of all is kept in `<dir>/dead-letter/redrive.json` for other processes.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type {
  DeadLetter,
  DeadLetterStats,
  DeadLetters,
  RedriveResult,
  RedriveStatus,
} from '../dead-letters.ts'
import { peekMax } from '../dead-letters.ts'
import {
  errnoOf,
  formatName,
  fsError,
  listMessages,
  type MessageName,
  renameIfPresent,
  type StoredMessage,
  syncDirectory,
} from './files.ts'

/** A uuidv7 message id starts with its send time in milliseconds (48 bits). */
function sentAtOfId(messageId: string): Date {
  return new Date(Number.parseInt(messageId.replaceAll('-', '').slice(0, 12), 16))
}

/** The dead letters' names, oldest sent first; none when the directory was never made. */
async function deadNames(dir: string): Promise<MessageName[]> {
  try {
    const names = await listMessages(dir)
    return names.sort((a, b) => (a.messageId < b.messageId ? -1 : 1))
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return []
    throw error
  }
}

async function readDead(dir: string, name: MessageName): Promise<DeadLetter | undefined> {
  try {
    const stored = JSON.parse(await readFile(join(dir, formatName(name)), 'utf8')) as StoredMessage
    return {
      messageId: name.messageId,
      body: stored.body,
      attributes: stored.attributes,
      receiveCount: name.generation,
      sentAt: new Date(stored.sentAt),
    }
  } catch (error) {
    // Redriven or received by someone else since the listing.
    if (errnoOf(error) === 'ENOENT') return undefined
    throw error
  }
}

/** The dead letters of the local queue in `dir`. */
export function openLocalDeadLetters(dir: string): DeadLetters {
  const dirs = {
    messages: join(dir, 'messages'),
    deadLetter: join(dir, 'dead-letter', 'messages'),
    status: join(dir, 'dead-letter', 'redrive.json'),
  }
  const visibleNow = async () => {
    const now = Date.now()
    return (await deadNames(dirs.deadLetter)).filter((n) => n.visibleAt <= now)
  }
  const failing = (what: string) => (error: unknown) => {
    throw fsError(error, `${what} ${dirs.deadLetter}`)
  }

  const moveBack = async (names: MessageName[]) => {
    await mkdir(dirs.messages, { recursive: true })
    const moved: string[] = []
    for (const name of names) {
      const target = formatName({ visibleAt: Date.now(), messageId: name.messageId, generation: 0 })
      const from = join(dirs.deadLetter, formatName(name))
      if (await renameIfPresent(from, join(dirs.messages, target))) moved.push(name.messageId)
    }
    if (moved.length > 0) await syncDirectory(dirs.messages)
    return moved
  }

  const writeStatus = async (status: RedriveStatus) => {
    const temp = `${dirs.status}.${process.pid}.tmp`
    await mkdir(join(dir, 'dead-letter'), { recursive: true })
    await writeFile(temp, JSON.stringify(status))
    await rename(temp, dirs.status)
  }

  const redrive = async (messageIds: string[] | undefined): Promise<RedriveResult> => {
    const startedAt = new Date()
    const waiting = await visibleNow()
    const wanted = messageIds ? new Set(messageIds) : undefined
    const chosen = wanted ? waiting.filter((n) => wanted.has(n.messageId)) : waiting
    const moved = await moveBack(chosen)
    if (!wanted) {
      await writeStatus({
        status: 'COMPLETED',
        moved: moved.length,
        toMove: chosen.length,
        startedAt,
      })
    }
    const done = new Set(moved)
    const notFound = (messageIds ?? []).filter((id) => !done.has(id))
    return { status: 'COMPLETED', moved, notFound, failed: [] }
  }

  return {
    source: `file://${dir}`,

    async stats(): Promise<DeadLetterStats> {
      const names = await deadNames(dirs.deadLetter).catch(failing('stats of'))
      const now = Date.now()
      const waiting = names.filter((n) => n.visibleAt <= now)
      const oldest = waiting[0]
      return {
        depth: waiting.length,
        inFlight: names.length - waiting.length,
        oldestSentAt: oldest ? sentAtOfId(oldest.messageId) : undefined,
      }
    },

    async peek(options = {}) {
      const max = peekMax(options.max)
      const names = (await visibleNow().catch(failing('peek into'))).slice(0, max)
      const read = await Promise.all(names.map((n) => readDead(dirs.deadLetter, n))).catch(
        failing('peek into'),
      )
      return read.filter((m) => m !== undefined)
    },

    redrive: (options = {}) => redrive(options.messageIds).catch(failing('redrive from')),

    async redriveStatus() {
      try {
        const raw = JSON.parse(await readFile(dirs.status, 'utf8')) as RedriveStatus
        return { ...raw, startedAt: new Date(raw.startedAt) }
      } catch (error) {
        if (errnoOf(error) === 'ENOENT') return undefined
        throw fsError(error, `redrive status of ${dirs.deadLetter}`)
      }
    },

    async close() {},
  }
}
