/**
 * The on-disk layer of the local queue: message file names, ids, durable writes and the mapping of
 * filesystem errors to CloudError. See driver.ts for the directory layout.
 */
import { open, readdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { uuidv7 } from '@ferry/schemas'
import { CloudDependency, CloudError } from '../../errors.ts'

/** What a message file's name says: when it becomes visible, which message, how often received. */
export interface MessageName {
  visibleAt: number
  messageId: string
  /** Receives so far: 0 when sent, +1 per receive; kept by changeVisibility. */
  generation: number
}

/** What a message file holds; written once at send and never changed. */
export interface StoredMessage {
  body: string
  attributes: Record<string, string>
  sentAt: number
}

const NAME = /^(\d{15})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(\d{1,9})$/

export function formatName(name: MessageName): string {
  return `${String(name.visibleAt).padStart(15, '0')}.${name.messageId}.${name.generation}`
}

/** The parts of a message file name, or undefined for anything else (temp files, strangers). */
export function parseName(name: string): MessageName | undefined {
  const match = NAME.exec(name)
  if (!match) return undefined
  return { visibleAt: Number(match[1]), messageId: match[2] ?? '', generation: Number(match[3]) }
}

/** The part of a name that survives changeVisibility: `<messageId>.<generation>`. */
export function leaseOf(name: MessageName): string {
  return `.${name.messageId}.${name.generation}`
}

/** Writes a new file and flushes it to disk before resolving. */
async function writeDurably(path: string, data: string): Promise<void> {
  const file = await open(path, 'wx')
  try {
    await file.writeFile(data)
    await file.datasync()
  } finally {
    await file.close()
  }
}

/** Flushes a directory's entries (new names from rename) to disk. */
export async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

/**
 * Writes a new message durably under `tmpDir`, then renames it into `messagesDir` in one step, so
 * receivers never see a partial file. Returns its message id.
 */
export async function writeMessage(
  dirs: { tmp: string; messages: string },
  message: StoredMessage,
  visibleAt: number,
): Promise<string> {
  const messageId = uuidv7(message.sentAt)
  const temp = join(dirs.tmp, `${messageId}.json`)
  await writeDurably(temp, JSON.stringify(message))
  await rename(temp, join(dirs.messages, formatName({ visibleAt, messageId, generation: 0 })))
  return messageId
}

export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/** Renames `from` to `to`; false when `from` is gone (another process moved or deleted it). */
export async function renameIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to)
    return true
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false
    throw error
  }
}

/** The message file names in `dir`, parsed; names that are not message files are left out. */
export async function listMessages(dir: string): Promise<MessageName[]> {
  const names: MessageName[] = []
  for (const entry of await readdir(dir)) {
    const parsed = parseName(entry)
    if (parsed) names.push(parsed)
  }
  return names
}

export function fsError(error: unknown, what: string): CloudError {
  if (error instanceof CloudError) return error
  const code = errnoOf(error) ?? 'Error'
  const message = `${what}: ${code}${error instanceof Error ? ` (${error.message})` : ''}`
  if (code === 'EACCES' || code === 'EPERM')
    return new CloudError('AccessDenied', message, { cause: error })
  if (code === 'ENOENT') return new CloudError('NotFound', message, { cause: error })
  return new CloudError('Unavailable', message, {
    cause: error,
    dependency: CloudDependency.queue,
  })
}
