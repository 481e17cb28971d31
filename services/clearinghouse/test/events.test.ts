import { PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3'
import { awsClientConfig, type ObjectStore, openQueue } from '@ferry/cloud'
import { awsTestOptions, createTestQueue, type TestQueue } from '@ferry/cloud/testing'
import type { TestDatabase } from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventKeys } from '../src/events.ts'
import {
  countRecords,
  migratedDatabase,
  openTestBucket,
  startService,
  type TestBucket,
  waitForStatus,
} from './helpers.ts'

describe('S3 event notifications', () => {
  it('reads the URL-encoded keys of ObjectCreated records', () => {
    const body = JSON.stringify({
      Records: [
        { eventName: 'ObjectCreated:Put', s3: { object: { key: 'in/my+file%C3%A9.json' } } },
        { eventName: 'ObjectRemoved:Delete', s3: { object: { key: 'gone.json' } } },
      ],
    })
    expect(eventKeys(body)).toEqual(['in/my fileé.json'])
  })

  it('unwraps an SNS envelope and accepts the test event', () => {
    const inner = {
      Records: [{ eventName: 'ObjectCreated:Copy', s3: { object: { key: 'a.json' } } }],
    }
    expect(
      eventKeys(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(inner) })),
    ).toEqual(['a.json'])
    expect(eventKeys(JSON.stringify({ Event: 's3:TestEvent' }))).toEqual([])
  })

  it('rejects a message that is not an S3 notification', () => {
    expect(() => eventKeys('{"hello":"world"}')).toThrow('not an S3 event notification')
  })
})

const aws = awsTestOptions()
describe.runIf(aws)('S3_EVENTS_QUEUE_URL (moto)', () => {
  let db: TestDatabase
  const cleanups: (() => Promise<void>)[] = []

  beforeAll(async () => {
    db = await migratedDatabase()
  })

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    await db?.cleanup()
  })

  /**
   * A bucket whose ObjectCreated events go to a queue, both new for each test: a closed service's
   * long poll may still take the next message server-side, which must not be another test's.
   */
  async function eventedBucket(): Promise<{ bucket: TestBucket; queue: TestQueue }> {
    const bucket = await openTestBucket()
    cleanups.push(() => bucket.cleanup())
    const queue = await createTestQueue(aws ?? {})
    cleanups.push(() => queue.cleanup())
    const s3 = new S3Client(awsClientConfig(aws))
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket.setting,
        NotificationConfiguration: {
          QueueConfigurations: [{ QueueArn: queue.arn, Events: ['s3:ObjectCreated:*'] }],
        },
      }),
    )
    s3.destroy()
    return { bucket, queue }
  }

  function startEvented(
    { bucket, queue }: { bucket: TestBucket; queue: TestQueue },
    wrapStore?: (store: ObjectStore) => ObjectStore,
  ) {
    return startService({
      db,
      bucket,
      env: { POLL_INTERVAL: '3600', S3_EVENTS_QUEUE_URL: queue.url },
      events: openQueue(queue.url, { aws }),
      wrapStore,
    })
  }

  it('loads a new file within seconds although the next poll is an hour away', async () => {
    const evented = await eventedBucket()
    await evented.bucket.put('evented/first.json', '[{"a":1}]')
    const service = await startEvented(evented)
    try {
      await waitForStatus(db, 'evented/first.json', 'COMPLETED')
      await evented.bucket.put('evented/new.json', '[{"a":1},{"a":2}]')
      await waitForStatus(db, 'evented/new.json', 'COMPLETED')
      expect(await countRecords(db, 'evented/new.json')).toBe(2)
    } finally {
      await service.close()
    }
  })

  it('loads a file named by an event while the listing of the bucket hangs', async () => {
    const evented = await eventedBucket()
    let releaseListing = () => {}
    const listingHeld = new Promise<void>((resolve) => {
      releaseListing = resolve
    })
    const service = await startEvented(evented, (store) => ({
      ...store,
      name: store.name,
      list: async (options) => {
        await listingHeld
        return store.list(options)
      },
    }))
    try {
      await evented.bucket.put('evented/while-listing.json', '[{"a":1}]')
      await waitForStatus(db, 'evented/while-listing.json', 'COMPLETED')
    } finally {
      releaseListing()
      await service.close()
    }
  })
})
