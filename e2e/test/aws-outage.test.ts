import { awsTestOptions } from '@ferry/cloud/testing'
import { startTcpProxy, type TcpProxy } from '@ferry/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startService } from '../src/index.ts'
import { motoPipeline, type Pipeline, TOKEN } from './pipeline.ts'

const aws = awsTestOptions()

function email(i: number) {
  return {
    email_subject: `outage ${i}`,
    email_sender: 'o@example.com',
    email_content: 'x',
    email_timestream: 1_700_000_000,
  }
}

describe.runIf(aws)('the AWS endpoint refusing connections while ingest-api is loaded', () => {
  let pipeline: Pipeline
  let proxy: TcpProxy
  let ingest: Running
  beforeAll(async () => {
    pipeline = await motoPipeline(aws ?? {})
    const endpoint = new URL(aws?.endpoint ?? '')
    proxy = await startTcpProxy(endpoint.hostname, Number(endpoint.port))
    ingest = await startService('ingest-api', {
      ...pipeline.env,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${proxy.port}`,
    })
  })
  afterAll(async () => {
    await ingest.stop()
    await proxy.close()
    await pipeline.cleanup()
  })

  it('answers 503 during the outage and loses none of the messages it reported accepted', async () => {
    const accepted = new Set<string>()
    const statuses: number[] = []
    let i = 0
    const started = Date.now()
    const client = async () => {
      while (Date.now() - started < 7000) {
        const res = await fetch(`${ingest.url}/ingest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ data: email(i++) }),
        })
        const body = (await res.json()) as { message_id?: string }
        statuses.push(res.status)
        if (res.status === 200 && body.message_id) accepted.add(body.message_id)
        if (res.status !== 200) await new Promise((r) => setTimeout(r, 50))
      }
    }
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 1500))
      await proxy.cut()
      await new Promise((r) => setTimeout(r, 3000))
      await proxy.restore()
    })()
    await Promise.all([outage, ...Array.from({ length: 8 }, client)])

    expect(statuses).toContain(503)
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([])
    expect(statuses.slice(-8)).toEqual(Array(8).fill(200))
    const queued = new Set<string>()
    for (;;) {
      const got = await pipeline.queue.receive({ maxMessages: 10, waitSeconds: 1 })
      if (got.length === 0) break
      for (const m of got) queued.add((JSON.parse(m.body) as { message_id: string }).message_id)
      await pipeline.queue.delete(got.map((m) => m.receiptHandle))
    }
    const lost = [...accepted].filter((id) => !queued.has(id))
    expect(accepted.size).toBeGreaterThan(0)
    expect(lost).toEqual([])
  })
})
