import { once } from 'node:events'
import { createServer, type Server, Socket } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import { serverDatabaseUrl } from './backends.ts'

let proxy: Server
let port: number
let cuts = 0
const unhandled: unknown[] = []
const record = (reason: unknown) => unhandled.push(reason)

// A proxy to the server that, when the driver sends its array-types query (the first statement
// postgres.js runs on every new connection, fetch_types), cuts the connection and stops
// listening: the server went away mid-start, and the reconnection is refused.
beforeAll(async () => {
  const target = new URL(serverDatabaseUrl())
  proxy = createServer((client) => {
    const server = new Socket()
    server.connect(Number(target.port || 5432), target.hostname)
    client.on('data', (chunk: Buffer) => {
      if (cuts === 0 && chunk.includes('typarray')) {
        cuts++
        proxy.close() // and refuse the reconnection, as a server going down does
        client.destroy()
        server.destroy()
      } else server.write(chunk)
    })
    server.pipe(client)
    client.on('error', () => undefined)
    server.on('error', () => undefined)
    client.on('close', () => server.destroy())
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  port = (proxy.address() as { port: number }).port
  process.on('unhandledRejection', record)
})

afterAll(() => {
  process.off('unhandledRejection', record)
  proxy?.close()
})

it('fails the query, not the process, when a connection drops during its types query', async () => {
  const url = new URL(serverDatabaseUrl())
  url.hostname = '127.0.0.1'
  url.port = String(port)
  const db = await connect(url.toString(), { max: 1 })
  try {
    await expect(db.sql`select 1`).rejects.toThrow()
    expect(cuts).toBe(1)
    // Let any dropped promise surface before looking.
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(unhandled).toEqual([])
  } finally {
    await db.close()
  }
})
