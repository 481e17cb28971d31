// Where `ferry status` looks: on the embedded default, the ports `npm start` gives the services
// and the queue directories under .data/; against AWS, the queue names infra/terraform gives them
// and the parameters under /ferry/<env>/.
import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  isCloudError,
  isLocalUrl,
  openQueue,
  openSecret,
  parseLocalUrl,
  sqsQueueUrl,
} from '@ferry/cloud'
import { LOCAL_PATHS } from '../../start/local-paths.ts'
import {
  type Env,
  QUEUE_NAMES,
  QUEUES,
  type QueueName,
  queueExists,
  queueSetting,
  sqsQueueName,
  type Target,
} from '../targets.ts'
import { bounded, describeFailure, type QueueSource, type ServiceSource } from './collect.ts'

const RESOLVE_TIMEOUT_MS = 5000

/** `lookup`'s URL; an SQS queue `name` that does not exist says `no queue named <name>`. */
async function named(name: string, lookup: Promise<string>): Promise<string> {
  return lookup.catch((error: unknown) => {
    throw isCloudError(error, 'NotFound') ? new Error(`no queue named ${name}`) : error
  })
}

function localQueue(queue: string, dlq: string | undefined): QueueSettings {
  const dir = parseLocalUrl(queue).path
  // Opening would create the directories; a status must not make .data/ where there was none.
  if (!existsSync(dir)) throw new Error(`no queue at ${dir} (has npm start run with this data?)`)
  return { queue, dlq: dlq ?? `file://${join(dir, 'dead-letter')}` }
}

interface QueueSettings {
  queue: string
  dlq: string
}

/**
 * The settings (`file://…` or an SQS URL) of one queue and of its dead-letter queue, or undefined
 * when the target has no such queue. The queue is found as `queueSetting` finds it (`urlVar`
 * first); `dlqVar` overrides its dead-letter queue, and must be set when `urlVar` names SQS.
 * Throws with the reason when it cannot be resolved.
 */
export async function resolveQueue(
  name: QueueName,
  target: Target,
  env: Env,
): Promise<QueueSettings | undefined> {
  if (!queueExists(target, name, env)) return undefined
  const { urlVar, dlqVar } = QUEUES[name]
  const givenDlq = env[dlqVar]
  if (target.kind === 'local' || env[urlVar]) {
    const queue = await queueSetting(target, name, env)
    if (isLocalUrl(queue)) return localQueue(queue, givenDlq)
    if (!givenDlq) throw new Error(`${urlVar} is set: set ${dlqVar} too`)
    return { queue, dlq: givenDlq }
  }
  const sqsName = sqsQueueName(target, name)
  // One after the other, so a queue that is missing is named rather than its dead-letter queue.
  return bounded(RESOLVE_TIMEOUT_MS, async () => {
    const queue = await named(sqsName, queueSetting(target, name, env))
    const dlqName = `${sqsName}-dlq`
    const dlq = givenDlq ?? (await named(dlqName, sqsQueueUrl(dlqName, target)))
    return { queue, dlq }
  })
}

/** Every queue of the target, opened (close them with `closeQueues`), or why it could not be. */
export async function openQueues(target: Target, env: Env): Promise<QueueSource[]> {
  const { aws } = target
  const resolved = await Promise.all(
    QUEUE_NAMES.map(async (name): Promise<QueueSource | undefined> => {
      try {
        const settings = await resolveQueue(name, target, env)
        if (!settings) return undefined
        return {
          name,
          queue: openQueue(settings.queue, { aws }),
          dlq: openQueue(settings.dlq, { aws }),
        }
      } catch (error) {
        return { name, error: describeFailure(error) }
      }
    }),
  )
  return resolved.filter((q): q is QueueSource => q !== undefined)
}

export async function closeQueues(queues: QueueSource[]): Promise<void> {
  await Promise.all(queues.flatMap((q) => ('error' in q ? [] : [q.queue.close(), q.dlq.close()])))
}

/** The services `npm start` runs (services/<name>/src/local.ts) with their ports + offset. */
async function localServices(root: string, portOffset: number): Promise<ServiceSource[]> {
  const dir = join(root, 'services')
  const names = readdirSync(dir).filter((n) => existsSync(join(dir, n, 'src', 'local.ts')))
  return Promise.all(
    names.sort().map(async (name) => {
      const href = pathToFileURL(join(dir, name, 'src', 'local.ts')).href
      const { port } = (await import(href)) as { port: number }
      return { name, url: `http://127.0.0.1:${port + portOffset}` }
    }),
  )
}

const AWS_SERVICES = ['api', 'clearinghouse', 'ingest-api', 'worker']

/**
 * Base URLs of the services. Locally the ports `npm start` uses; on AWS only the api is behind
 * the load balancer (`/ferry/<env>/deploy/base-url`), the others need `--url name=…` (ECS Exec
 * port forwarding, deploy/README.md "Operator access"). `overrides` win.
 */
export async function serviceUrls(
  target: Target,
  root: string,
  overrides: Record<string, string>,
): Promise<ServiceSource[]> {
  const services =
    target.kind === 'local'
      ? await localServices(root, target.portOffset)
      : await awsServices(target, overrides.api !== undefined)
  const known = new Set(services.map((s) => s.name))
  const extra = Object.keys(overrides).filter((name) => !known.has(name))
  return [...services, ...extra.map((name) => ({ name, url: undefined }))].map((s) => {
    const url = overrides[s.name]
    return url === undefined ? s : { name: s.name, url }
  })
}

async function awsServices(target: Target & { kind: 'aws' }, apiGiven: boolean) {
  const services: ServiceSource[] = AWS_SERVICES.map((name) => ({ name, url: undefined }))
  const api = services.find((s) => s.name === 'api')
  if (api && !apiGiven) {
    await readSecret(`/ferry/${target.env}/deploy/base-url`, target).then(
      (url) => {
        api.url = url
      },
      (error: Error) => {
        api.reason = `${error.message}; --url api=http://…`
      },
    )
  }
  return services
}

/** An SSM parameter's value; throws saying it is missing or why it could not be read. */
async function readSecret(name: string, target: Target & { kind: 'aws' }): Promise<string> {
  const secret = openSecret(name, { ttlSeconds: 0, aws: target.aws })
  try {
    return await bounded(RESOLVE_TIMEOUT_MS, () => secret.get())
  } catch (error) {
    throw new Error(
      isCloudError(error, 'NotFound') ? `no parameter ${name}` : describeFailure(error),
    )
  } finally {
    await secret.close()
  }
}

/**
 * The clearinghouse's operator token when none is given: `.data/secrets/operator-token`
 * locally, `/ferry/<env>/clearinghouse/operator-token` on AWS. Throws saying where it looked.
 */
export async function operatorToken(target: Target): Promise<string> {
  if (target.kind === 'local') {
    const file = join(target.dataDir, LOCAL_PATHS.secrets, 'operator-token')
    const token = await readFile(file, 'utf8').catch(() => {
      throw new Error(`no operator token in ${file} (--operator-token)`)
    })
    return token.trim()
  }
  const name = `/ferry/${target.env}/clearinghouse/operator-token`
  return readSecret(name, target).catch((error: Error) => {
    throw new Error(`no operator token: ${error.message} (--operator-token)`)
  })
}
