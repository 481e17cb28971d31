/**
 * `pnpm ferry dlq <list|peek|redrive> [--queue ingest|events|s3-events] [--env dev|prod]`: the
 * dead letters of ferry's queues on the embedded default (`.data/`) or a deployed environment.
 * Exit codes: 0 done, 1 the queue or a message failed, 2 bad arguments.
 */
import { parseArgs } from 'node:util'
import { type DeadLetters, isCloudError, openDeadLetters } from '@ferry/cloud'
import { age, progressBar, table } from './format.ts'
import {
  type Env,
  QUEUE_NAMES,
  type QueueName,
  queueExists,
  queueName,
  queueSetting,
  resolveTarget,
  type Target,
  TargetError,
} from './targets.ts'

const USAGE = `usage: pnpm ferry dlq <command> [options]
  list     [--queue <q>]                 dead-letter depth and oldest age, per queue
  peek     --queue <q> [--max <n>]       show up to n (1-100, default 10) dead letters; they stay
  redrive  --queue <q> [--ids <a,b,…>]   send all (or those) back to the queue
options: --queue ${QUEUE_NAMES.join('|')}   --env dev|prod (AWS; default: the embedded .data/)`

/** Where the command writes, and what it reads; tests pass their own. */
export interface Io {
  out: { write(text: string): unknown }
  err: { write(text: string): unknown }
  env: Env
  /** Redraws the progress bar in place (a terminal); otherwise a line per change. */
  tty: boolean
  /** Between looks at a running redrive. */
  pollMs: number
}

const processIo = (): Io => ({
  out: process.stdout,
  err: process.stderr,
  env: process.env,
  tty: process.stdout.isTTY === true,
  pollMs: 2000,
})

class UsageError extends Error {}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        queue: { type: 'string', short: 'q' },
        env: { type: 'string' },
        max: { type: 'string' },
        ids: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

function maxOf(raw: string | undefined): number {
  const max = Number(raw ?? 10)
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw new UsageError(`--max must be a whole number from 1 to 100, not ${raw}`)
  }
  return max
}

function idsOf(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined
  const ids = raw
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '')
  if (ids.length === 0) throw new UsageError('--ids needs at least one message id')
  return [...new Set(ids)]
}

async function open(target: Target, queue: QueueName, io: Io): Promise<DeadLetters> {
  return openDeadLetters(await queueSetting(target, queue, io.env), { aws: target.aws })
}

/** One row per queue; a queue that fails gets its row too, its error on stderr, and exit 1. */
async function list(target: Target, queues: QueueName[], io: Io): Promise<number> {
  const rows = [['QUEUE', 'DLQ DEPTH', 'IN FLIGHT', 'OLDEST']]
  let failed = 0
  for (const queue of queues) {
    if (!queueExists(target, queue, io.env)) {
      rows.push([queue, '-', '-', 'only on AWS (--env dev|prod)'])
      continue
    }
    try {
      const stats = await statsOf(target, queue, io)
      const oldest = stats.oldestSentAt ? age(Date.now() - stats.oldestSentAt.getTime()) : '-'
      rows.push([queue, String(stats.depth), String(stats.inFlight), oldest])
    } catch (error) {
      if (!isCloudError(error)) throw error
      failed++
      rows.push([queue, '?', '?', error.code === 'NotFound' ? 'not found' : 'unavailable'])
      io.err.write(`ferry dlq: ${queue}: ${error.message}\n`)
    }
  }
  io.out.write(`${table(rows)}\n`)
  return failed > 0 ? 1 : 0
}

async function statsOf(target: Target, queue: QueueName, io: Io) {
  const deadLetters = await open(target, queue, io)
  try {
    return await deadLetters.stats()
  } finally {
    await deadLetters.close()
  }
}

async function peek(deadLetters: DeadLetters, max: number, io: Io): Promise<number> {
  const messages = await deadLetters.peek({ max })
  if (messages.length === 0) io.out.write('no dead letters\n')
  for (const m of messages) {
    const attributes = Object.entries(m.attributes).map(([k, v]) => `${k}=${v}`)
    io.out.write(
      `${m.messageId}  received ${m.receiveCount}×  sent ${m.sentAt.toISOString()} ` +
        `(${age(Date.now() - m.sentAt.getTime())} ago)\n` +
        (attributes.length > 0 ? `  attributes: ${attributes.join(' ')}\n` : '') +
        `  ${m.body}\n`,
    )
  }
  return 0
}

/**
 * Shows the progress of the move task until it ends. Statuses of the task before it (`previous`
 * started then) are skipped: SQS may list the new task a moment after starting it.
 */
async function follow(deadLetters: DeadLetters, previous: Date | undefined, io: Io) {
  let last = ''
  for (;;) {
    const listed = await deadLetters.redriveStatus()
    const status = previous && listed && listed.startedAt <= previous ? undefined : listed
    const line = `${progressBar(status?.moved ?? 0, status?.toMove)}  ${status?.status ?? 'STARTING'}`
    if (line !== last) io.out.write(io.tty ? `\r${line}` : `${line}\n`)
    last = line
    if (status && status.status !== 'RUNNING') {
      if (io.tty) io.out.write('\n')
      if (status.status === 'COMPLETED') return 0
      io.err.write(`redrive ${status.status}: ${status.failureReason ?? 'no reason given'}\n`)
      return 1
    }
    await new Promise((r) => setTimeout(r, io.pollMs))
  }
}

async function redrive(
  deadLetters: DeadLetters,
  queue: QueueName,
  ids: string[] | undefined,
  io: Io,
) {
  const previous = ids ? undefined : (await deadLetters.redriveStatus())?.startedAt
  const result = await deadLetters.redrive(ids ? { messageIds: ids } : {})
  if (result.status === 'RUNNING') {
    io.out.write(`moving the dead letters back to ${queue}…\n`)
    return follow(deadLetters, previous, io)
  }
  io.out.write(
    `moved ${result.moved.length} back to ${queue}${result.moved.length > 0 ? `: ${result.moved.join(', ')}` : ''}\n`,
  )
  if (result.notFound.length > 0) {
    io.err.write(`not in the dead-letter queue: ${result.notFound.join(', ')}\n`)
  }
  for (const f of result.failed) io.err.write(`not moved: ${f.messageId}: ${f.message}\n`)
  return result.notFound.length + result.failed.length > 0 ? 1 : 0
}

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args)
  if (values.help) {
    io.out.write(`${USAGE}\n`)
    return 0
  }
  const [command, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`)
  const target = resolveTarget(values.env, io.env)
  if (command === 'list') {
    const queues = values.queue === undefined ? [...QUEUE_NAMES] : [queueName(values.queue)]
    return list(target, queues, io)
  }
  if (command !== 'peek' && command !== 'redrive') {
    throw new UsageError(command ? `unknown command ${command}` : 'name a command')
  }
  if (values.queue === undefined) throw new UsageError(`${command} needs --queue`)
  const queue = queueName(values.queue)
  const max = command === 'peek' ? maxOf(values.max) : undefined
  const ids = command === 'redrive' ? idsOf(values.ids) : undefined
  const deadLetters = await open(target, queue, io)
  try {
    return max === undefined
      ? await redrive(deadLetters, queue, ids, io)
      : await peek(deadLetters, max, io)
  } finally {
    await deadLetters.close()
  }
}

/** Runs `pnpm ferry dlq …`; resolves with the exit code. */
export async function main(args: string[], io: Io = processIo()): Promise<number> {
  try {
    return await run(args, io)
  } catch (error) {
    if (error instanceof UsageError || error instanceof TargetError) {
      io.err.write(`ferry dlq: ${error.message}\n${USAGE}\n`)
      return 2
    }
    if (isCloudError(error)) {
      io.err.write(`ferry dlq: ${error.message}\n`)
      return 1
    }
    throw error
  }
}
