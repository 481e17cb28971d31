// `node src/servers/s3-read.ts <bucket> <key>` (AWS_ENDPOINT_URL set): the clearinghouse's S3
// read alone — one GetObject through @ferry/cloud's S3 driver (the client settings the service
// uses), its body streamed to /dev/null. Nothing parsed, hashed or inserted. Prints the bytes
// read, the seconds from the request to the last byte, its CPU time and peak RSS.
import { createWriteStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { openObjects } from '@ferry/cloud'
import { peakRssMb, printResult } from './child.ts'

export interface S3ReadResult {
  bytes: number
  seconds: number
  cpu_seconds: number
  peak_rss_mb: number
}

async function read(bucket: string, key: string): Promise<S3ReadResult> {
  const aws = { endpoint: process.env.AWS_ENDPOINT_URL, region: process.env.AWS_REGION }
  const store = openObjects(bucket, { aws })
  try {
    const cpu = process.cpuUsage()
    const started = performance.now()
    const object = await store.get(key)
    let bytes = 0
    await pipeline(
      object.body,
      async function* (source: Readable) {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          bytes += chunk.length
          yield chunk
        }
      },
      createWriteStream('/dev/null'),
    )
    const seconds = (performance.now() - started) / 1000
    const used = process.cpuUsage(cpu)
    if (bytes !== object.size) throw new Error(`read ${bytes} bytes of ${object.size}`)
    return {
      bytes,
      seconds,
      cpu_seconds: (used.user + used.system) / 1e6,
      peak_rss_mb: peakRssMb(),
    }
  } finally {
    await store.close()
  }
}

if (import.meta.main) {
  const [bucket = '', key = ''] = process.argv.slice(2)
  printResult(await read(bucket, key))
}
