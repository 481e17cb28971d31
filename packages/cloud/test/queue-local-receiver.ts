/**
 * A receiver process for the cross-process test: `node queue-local-receiver.ts <dir>`. Announces
 * `ready`, waits for any message from its parent, then receives and deletes until a 1 s poll is
 * empty and reports `{ ids }` of everything it received.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { openLocalQueue } from '../src/queue/local/driver.ts'

const queue = openLocalQueue(process.argv[2] ?? '', { visibilityTimeout: 60 })
const go = new Promise((resolve) => process.once('message', resolve))
process.send?.('ready')
await go

const ids: string[] = []
for (;;) {
  const received = await queue.receive({ maxMessages: 10, waitSeconds: 1 })
  if (received.length === 0) break
  ids.push(...received.map((m) => m.messageId))
  await sleep(5)
  const { failed } = await queue.delete(received.map((m) => m.receiptHandle))
  if (failed.length > 0) throw new Error(`delete failed: ${JSON.stringify(failed)}`)
}
await queue.close()
process.send?.({ ids }, () => process.disconnect())
