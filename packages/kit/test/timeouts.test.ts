import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createService, type RequestTimeouts, type ServiceApp } from '../src/index.ts'
import { captureLogs } from '../src/testing.ts'

let app: ServiceApp | undefined

afterEach(async () => {
  await app?.close()
  app = undefined
})

async function listening(timeouts: RequestTimeouts): Promise<number> {
  app = createService({
    name: 'timeouts',
    version: '1',
    logger: { stream: captureLogs().stream },
    timeouts,
  })
  app.post('/echo', async (request) => ({ got: request.body }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening')
  return address.port
}

/**
 * Sends `head`, then one byte of `body` every `everyMs` until the server closes the socket.
 * Resolves with what the server sent and how long the socket lived.
 */
function trickle(port: number, head: string, body: string, everyMs: number) {
  return new Promise<{ response: string; ms: number }>((resolve, reject) => {
    const began = Date.now()
    const socket = connect(port, '127.0.0.1')
    let response = ''
    let sent = 0
    let timer: NodeJS.Timeout | undefined
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => {
      response += chunk
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ response, ms: Date.now() - began })
    })
    socket.on('connect', () => {
      socket.write(head)
      timer = setInterval(() => {
        if (sent < body.length) socket.write(body[sent++] ?? '')
      }, everyMs)
    })
    setTimeout(() => reject(new Error('socket still open after 20 s')), 20_000).unref()
  })
}

const JSON_HEAD = (length: number) =>
  `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

describe('request timeouts', () => {
  it('answers 408 problem+json and closes the socket when a body trickles in', async () => {
    const port = await listening({ bodyTimeoutMs: 1000, minBodyBytes: 64 })
    const body = JSON.stringify({ a: 'x'.repeat(200) })
    const { response, ms } = await trickle(port, JSON_HEAD(body.length), body, 300)
    expect(response).toMatch(/^HTTP\/1\.1 408 /)
    expect(response).toContain('application/problem+json')
    expect(response).toContain('"code":"request_timeout"')
    expect(ms).toBeLessThan(4000)
  })

  it('closes a connection whose headers trickle in', async () => {
    const port = await listening({ headersTimeoutMs: 1000 })
    const head = JSON_HEAD(2)
    const { response, ms } = await trickle(port, head.slice(0, 20), head.slice(20), 300)
    expect(response).toMatch(/^HTTP\/1\.1 408 /)
    expect(ms).toBeLessThan(4000)
  })

  it('cuts a request that outlasts requestTimeoutMs even while its body keeps coming', async () => {
    const port = await listening({ requestTimeoutMs: 1500, bodyTimeoutMs: 0 })
    const body = JSON.stringify({ a: 'x'.repeat(200) })
    const { response, ms } = await trickle(port, JSON_HEAD(body.length), body, 100)
    expect(response).toMatch(/^HTTP\/1\.1 408 /)
    expect(ms).toBeLessThan(4000)
  })

  it('lets a body that arrives at a useful rate through', async () => {
    const port = await listening({ bodyTimeoutMs: 1000, minBodyBytes: 4 })
    const body = '{"a":"xyz"}'
    const { response } = await trickle(
      port,
      `${JSON_HEAD(body.length).replace('HTTP/1.1\r\n', 'HTTP/1.1\r\nConnection: close\r\n')}`,
      body,
      50,
    )
    expect(response).toMatch(/^HTTP\/1\.1 200 /)
    expect(response).toContain('{"got":{"a":"xyz"}}')
  })

  it('sets Node server timeouts by default, checked every second', async () => {
    await listening({})
    expect(app?.server.requestTimeout).toBe(300_000)
    expect(app?.server.headersTimeout).toBe(10_000)
  })
})
