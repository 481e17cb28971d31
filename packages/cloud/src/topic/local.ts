/**
 * A topic in a local directory. `<dir>/subscriptions.json` holds `{"queues": ["file:///…", …]}`:
 * the local queues that each receive every published message, wrapped as SNS wraps a message for
 * an SQS subscriber. It is read at every publish, so a subscription made by another process counts
 * from the next message on.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, rmdir, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CloudDependency, CloudError } from '../errors.ts'
import { isLocalUrl, LOCAL_SCHEME, parseLocalUrl } from '../local-url.ts'
import { openLocalQueue } from '../queue/local/driver.ts'
import { errnoOf, fsError } from '../queue/local/files.ts'
import type { Queue } from '../queue/queue.ts'
import type { PublishInput, SnsNotification, Topic } from './topic.ts'

interface Subscriptions {
  queues: string[]
}

const LOCK_STALE_MS = 10_000

async function readSubscriptions(dir: string): Promise<Subscriptions> {
  let text: string
  try {
    text = await readFile(join(dir, 'subscriptions.json'), 'utf8')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { queues: [] }
    throw fsError(error, `topic ${dir}`)
  }
  let parsed: Partial<Subscriptions> | undefined
  try {
    parsed = JSON.parse(text) as Partial<Subscriptions>
  } catch {
    parsed = undefined
  }
  if (!Array.isArray(parsed?.queues) || !parsed.queues.every((q) => typeof q === 'string')) {
    throw new CloudError(
      'InvalidArgument',
      `${dir}/subscriptions.json: "queues" is not a list of URLs`,
    )
  }
  return { queues: parsed.queues }
}

/** Runs `fn` while holding `<dir>/subscriptions.lock`; a lock older than 10 s is taken as stale. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'subscriptions.lock')
  for (;;) {
    try {
      await mkdir(lock)
      break
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      )
      if (age > LOCK_STALE_MS) await rmdir(lock).catch(() => undefined)
      else await sleep(20)
    }
  }
  try {
    return await fn()
  } finally {
    await rmdir(lock)
  }
}

/**
 * Subscribes the local queue `queueSetting` (`file://<dir>`, options ignored) to the topic in
 * `topicDir`. Subscribing a queue twice changes nothing.
 */
export async function subscribeLocalQueue(topicDir: string, queueSetting: string): Promise<void> {
  if (!isLocalUrl(queueSetting)) {
    throw new CloudError(
      'InvalidArgument',
      `${queueSetting}: a local topic delivers only to file:// queues`,
    )
  }
  const queueUrl = `${LOCAL_SCHEME}${parseLocalUrl(queueSetting).path}`
  try {
    await mkdir(topicDir, { recursive: true })
    await withLock(topicDir, async () => {
      const current = await readSubscriptions(topicDir)
      if (current.queues.includes(queueUrl)) return
      const temp = join(topicDir, `subscriptions.${randomUUID()}.tmp`)
      await writeFile(
        temp,
        `${JSON.stringify({ queues: [...current.queues, queueUrl] }, null, 2)}\n`,
      )
      await rename(temp, join(topicDir, 'subscriptions.json'))
    })
  } catch (error) {
    throw fsError(error, `subscribe ${queueUrl} to ${topicDir}`)
  }
}

/** `input` wrapped as SNS wraps a message for an SQS subscriber (raw delivery off). */
export function toNotification(
  arn: string,
  messageId: string,
  input: PublishInput,
): SnsNotification {
  const attributes = Object.entries(input.attributes ?? {})
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: arn,
    ...(input.subject ? { Subject: input.subject } : {}),
    Message: input.message,
    Timestamp: new Date().toISOString(),
    ...(attributes.length > 0
      ? {
          MessageAttributes: Object.fromEntries(
            attributes.map(([k, v]) => [k, { Type: 'String', Value: v }]),
          ),
        }
      : {}),
  }
}

/** The topic in `dir`; its ARN is its `file://` URL. */
export function openLocalTopic(dir: string): Topic {
  const path = resolve(dir)
  const arn = `${LOCAL_SCHEME}${path}`
  const queues = new Map<string, Queue>()
  const queueFor = (url: string) => {
    let queue = queues.get(url)
    if (!queue) {
      queue = openLocalQueue(parseLocalUrl(url).path, {})
      queues.set(url, queue)
    }
    return queue
  }

  return {
    arn,

    async publish(input) {
      const messageId = randomUUID()
      const body = JSON.stringify(toNotification(arn, messageId, input))
      for (const url of (await readSubscriptions(path)).queues) {
        const result = await queueFor(url).send([{ id: '0', body }])
        const failure = result.failed[0]
        if (failure) {
          throw new CloudError('Unavailable', `publish to ${arn}: ${url}: ${failure.message}`, {
            dependency: CloudDependency.topic,
          })
        }
      }
      return { messageId }
    },

    async ping() {
      await mkdir(path, { recursive: true }).catch((error: unknown) => {
        throw fsError(error, `topic ${path}`)
      })
    },

    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()))
    },
  }
}
