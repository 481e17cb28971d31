// `pnpm ferry status`: one table of each service's readiness, the queues' and dead-letter queues'
// depths and the clearinghouse's files by status, on the embedded default (`npm start`) or
// against AWS (`--env dev`). On a terminal it redraws every 2 s until Ctrl-C.
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { clearinghouseStats, collectStatus, type StatusData } from './status/collect.ts'
import { renderStatus } from './status/render.ts'
import { closeQueues, openQueues, operatorToken, serviceUrls } from './status/sources.ts'
import { type Env, resolveTarget, type Target } from './targets.ts'

const REDRAW_MS = 2000
const PROBE_TIMEOUT_MS = 3000
const ROOT = resolve(import.meta.dirname, '..', '..')

const USAGE = `usage: pnpm ferry status [--once | --watch] [--env <env>] [--url <service>=<url>]…
                         [--operator-token <token>]
  On a terminal the table is redrawn every 2 s until Ctrl-C (--watch); otherwise, or with
  --once, it is printed once and the exit code is 1 when a service is not ready or a row could
  not be read.
  Without --env: the embedded default (FERRY_DATA_DIR and FERRY_PORT_OFFSET as for npm start).
  --env dev|prod: AWS (AWS_REGION, credentials as the AWS CLI finds them). Queues by the names
  infra/terraform gives them, or FERRY_<QUEUE>_QUEUE_URL and FERRY_<QUEUE>_DLQ_URL; the api at
  /ferry/<env>/deploy/base-url; the other services only with --url (ECS Exec port forwarding).
  The clearinghouse's operator token: --operator-token, FERRY_OPERATOR_TOKEN, else
  .data/secrets/operator-token or SSM /ferry/<env>/clearinghouse/operator-token.`

interface Options {
  help: boolean
  target: Target
  urls: Record<string, string>
  token: string | undefined
  watch: boolean
}

/**
 * The target `resolveTarget` names, its AWS calls bounded like every probe: one attempt, answered
 * within PROBE_TIMEOUT_MS, so a table redraws on time even when AWS does not answer.
 */
function targetOf(deployment: string | undefined, env: Env): Target {
  const target = resolveTarget(deployment, env)
  const bound = {
    maxAttempts: 1,
    connectionTimeoutMs: PROBE_TIMEOUT_MS,
    requestTimeoutMs: PROBE_TIMEOUT_MS,
  }
  return { ...target, aws: { ...target.aws, ...bound } }
}

/** Throws with a message for the user when the arguments make no sense. */
function parseOptions(args: string[], env: Env): Options {
  const { values } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      once: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      env: { type: 'string' },
      url: { type: 'string', multiple: true, default: [] },
      'operator-token': { type: 'string' },
    },
    strict: true,
  })
  if (values.once && values.watch) throw new Error('--once and --watch exclude each other')
  const urls: Record<string, string> = {}
  for (const pair of values.url) {
    const match = /^([a-z][a-z0-9-]*)=(https?:\/\/.+)$/.exec(pair)
    if (!match?.[1] || !match[2]) throw new Error(`--url ${pair}: expected <service>=http://…`)
    urls[match[1]] = match[2]
  }
  const token = values['operator-token'] ?? env.FERRY_OPERATOR_TOKEN
  const watch = values.watch || (!values.once && Boolean(process.stdout.isTTY))
  return { help: values.help, target: targetOf(values.env, env), urls, token, watch }
}

function describeTarget(target: Target): string {
  if (target.kind === 'local') return `embedded default (data in ${target.dataDir})`
  return `AWS ${target.env} (${target.aws.region}${target.aws.endpoint ? ` at ${target.aws.endpoint}` : ''})`
}

/** Every service ready and every row read. */
function allWell(data: StatusData): boolean {
  return (
    data.services.every((s) => s.state === 'ready') &&
    data.queues.every((q) => q.depth.ok && q.dead.ok) &&
    data.files.ok
  )
}

/** Runs `ferry status` with the command line's arguments; resolves with the exit code. */
export async function main(args: string[]): Promise<number> {
  let options: Options
  try {
    options = parseOptions(args, process.env)
  } catch (error) {
    console.error(`ferry status: ${error instanceof Error ? error.message : error}\n${USAGE}`)
    return 2
  }
  if (options.help) {
    console.log(USAGE)
    return 0
  }
  const { target, watch } = options
  if (watch) process.stdout.write(`ferry status: reading ${describeTarget(target)}…\n`)
  const services = await serviceUrls(target, ROOT, options.urls)
  const queues = await openQueues(target, process.env)
  const clearinghouse = services.find((s) => s.name === 'clearinghouse')?.url
  // Kept once read: on AWS each read is an SSM call, and the table redraws every 2 s.
  let token = options.token
  const sources = {
    services,
    queues,
    countFiles: clearinghouseStats(clearinghouse, async () => {
      token ??= await operatorToken(target)
      return token
    }),
    timeoutMs: PROBE_TIMEOUT_MS,
  }
  const label = describeTarget(target)
  try {
    if (!watch) {
      const data = await collectStatus(sources)
      process.stdout.write(renderStatus(data, label))
      return allWell(data) ? 0 : 1
    }
    const stop = new AbortController()
    const onSignal = () => stop.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      while (!stop.signal.aborted) {
        const text = renderStatus(await collectStatus(sources), label)
        // Home and clear, then the table: one redraw, no scrolling history.
        process.stdout.write(`\x1b[H\x1b[2J${text}\nRedrawn every 2 s; Ctrl-C stops.\n`)
        await sleep(REDRAW_MS, undefined, { signal: stop.signal }).catch(() => undefined)
      }
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
    return 0
  } finally {
    await closeQueues(queues)
  }
}
