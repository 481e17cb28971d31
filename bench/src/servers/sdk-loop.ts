// `node src/servers/sdk-loop.ts <queue-url> <bucket> N` (AWS_ENDPOINT_URL set): the worker's
// real-path reference — the raw AWS SDK calls a worker must make, from a bare loop with the
// worker's client settings and about its concurrency (receivers of 10 that keep up to
// WORKER_CONCURRENCY messages in flight): ReceiveMessage (10), a conditional PutObject with a
// SHA-256 checksum per message, one DeleteMessageBatch per receive. No validation, no metrics, no
// logs. Prints a DrainResult line with its CPU time per message.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { awsClientConfig } from '@ferry/cloud'
import { CONCURRENCY, drainResult } from '../worker-settings.ts'
import { printResult } from './child.ts'

async function drain(queueUrl: string, bucket: string, n: number) {
  const aws = { endpoint: process.env.AWS_ENDPOINT_URL, region: 'us-east-1' }
  const sqs = new SQSClient({ ...awsClientConfig(aws), md5: false })
  const s3 = new S3Client(awsClientConfig(aws))
  const calls: Record<string, number> = {}
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1
  }
  let done = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  const loop = async () => {
    while (done < n) {
      count('ReceiveMessage')
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      )
      if (Messages.length === 0) continue
      await Promise.all(
        Messages.map((m) => {
          count('PutObject')
          return s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `reference/${m.MessageId}.json`,
              Body: m.Body,
              ContentType: 'application/json',
              IfNoneMatch: '*',
              ChecksumAlgorithm: 'SHA256',
            }),
          )
        }),
      )
      count('DeleteMessageBatch')
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      )
      done += Messages.length
    }
  }
  await Promise.all(Array.from({ length: Math.ceil(CONCURRENCY / 10) }, loop))
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  sqs.destroy()
  s3.destroy()
  return { ...drainResult(n, seconds, calls, []), cpu_seconds: (used.user + used.system) / 1e6 }
}

if (import.meta.main) {
  const [queueUrl = '', bucket = '', n = '20000'] = process.argv.slice(2)
  printResult(await drain(queueUrl, bucket, Number(n)))
}
