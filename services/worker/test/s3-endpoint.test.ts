import { once } from 'node:events'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { openObjects } from '@ferry/cloud'
import { awsTestOptions } from '@ferry/cloud/testing'
import { metricValue } from '@ferry/kit'
import { afterEach, describe, expect, it } from 'vitest'
import { buildTestWorker, envelope, keyOf, listKeys, type TestWorker } from './helpers.ts'

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'

/**
 * An S3 endpoint in front of moto that answers the first `failures` PUTs with 503 SlowDown, as S3
 * does while it repartitions, and forwards every other request.
 */
async function flakyS3(target: string, failures: number) {
  let left = failures
  const puts: Record<string, string | string[] | undefined>[] = []
  const server: Server = createServer((req, res) => {
    if (req.method === 'PUT') puts.push(req.headers)
    if (req.method === 'PUT' && left > 0) {
      left--
      req.resume()
      res.writeHead(503, { 'content-type': 'application/xml' }).end(SLOW_DOWN)
      return
    }
    const upstream = request(new URL(req.url ?? '/', target), {
      method: req.method,
      headers: req.headers,
    })
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    puts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const emulator = awsTestOptions()

describe.runIf(emulator)('the worker against S3 over HTTP (moto)', () => {
  const aws = emulator ?? {}
  let worker: TestWorker | undefined
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    await worker?.close()
    worker = undefined
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  it('retries 503 SlowDown in the SDK, then holds the message (no second receive) and writes it once', async () => {
    const s3 = await flakyS3(aws.endpoint ?? '', 3)
    cleanups.push(s3.close)
    // maxAttempts 2 in the test settings: the first write fails both attempts; the message is held
    // (not released) until the bucket answers, so it is received only once.
    worker = await buildTestWorker('aws', {
      wrapObjects: (objects, backend) => {
        void objects.close()
        return openObjects(backend.bucket, { aws: { ...aws, endpoint: s3.endpoint } })
      },
    })
    const w = worker
    const e = envelope()
    await w.start()
    await w.send(e)
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    expect(await metricValue(w.metrics.failed)).toBeGreaterThanOrEqual(1)
    expect(await metricValue(w.metrics.released)).toBe(0)
    expect(await metricValue(w.metrics.received)).toBe(1)
    expect(s3.puts.length).toBe(4)
    expect(await listKeys(w.objects)).toEqual([keyOf(e)])
  }, 20_000)

  it('stores a message with one conditional PutObject carrying a checksum S3 verifies', async () => {
    const s3 = await flakyS3(aws.endpoint ?? '', 0)
    cleanups.push(s3.close)
    worker = await buildTestWorker('aws', {
      wrapObjects: (objects, backend) => {
        void objects.close()
        return openObjects(backend.bucket, { aws: { ...aws, endpoint: s3.endpoint } })
      },
    })
    const w = worker
    await w.start()
    await w.send(envelope())
    await expect.poll(() => metricValue(w.metrics.deleted)).toBe(1)
    expect(s3.puts.length).toBe(1)
    const headers = s3.puts[0] ?? {}
    expect(headers['if-none-match']).toBe('*')
    expect(headers['content-type']).toBe('application/json')
    const checksum = headers['x-amz-checksum-sha256'] ?? headers['x-amz-trailer']
    expect(String(checksum)).toMatch(/^(x-amz-checksum-sha256|[A-Za-z0-9+/]{43}=)$/)
  })

  it('answers /ready 503 naming the bucket when the bucket does not exist', async () => {
    worker = await buildTestWorker('aws', {
      wrapObjects: (objects) => {
        void objects.close()
        return openObjects('ferry-no-such-bucket', { aws })
      },
    })
    await worker.start()
    const res = await worker.app.inject('/ready')
    expect(res.statusCode).toBe(503)
    expect(res.json().checks.queue).toBe('ok')
    expect(res.json().checks.bucket).toMatch(/HeadBucket/)
  })
})
