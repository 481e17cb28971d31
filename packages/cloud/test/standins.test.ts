import { memoryQueue, memoryStore, memoryTopic } from '../src/testing.ts'
import { objectStoreContract } from './objects-contract.ts'
import { queueContract } from './queue-contract.ts'
import { queueFixture } from './queue-fixtures.ts'
import { topicContract } from './topic-contract.ts'

// The benchmark's stand-ins behave as the drivers do, but for what they say they leave out.
objectStoreContract(
  'memory store',
  async () => ({ store: memoryStore(), cleanup: async () => {} }),
  { keyAlsoFolder: true, headOnly: true },
)

queueContract('memory queue', async ({ visibilityTimeout, maxReceiveCount }) => {
  const dlq = maxReceiveCount === undefined ? undefined : memoryQueue()
  const queue = memoryQueue({ visibilityTimeout, maxReceiveCount, deadLetter: dlq })
  return queueFixture(queue, dlq)
})

topicContract('memory topic', async ({ subscribed }) => {
  const queue = subscribed ? memoryQueue() : undefined
  const topic = memoryTopic(queue ? [queue] : [])
  return {
    topic,
    ...(queue ? { queue } : {}),
    async cleanup() {
      await queue?.close()
    },
  }
})
