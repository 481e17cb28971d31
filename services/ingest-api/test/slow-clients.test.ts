import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, countingSecret, email, post, type TestApp, TOKEN } from './helpers.ts'

const bearer = { authorization: `Bearer ${TOKEN}` }

interface Raw {
  socket: Socket
  /** What the server sent. */
  response(): string
  /** Resolves with ms from connect to close. */
  closed: Promise<number>
}

/** A raw connection that sends `head` and then whatever the caller writes. */
function open(port: number, head: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const began = Date.now()
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => {
      text += chunk
    })
    socket.on('error', () => undefined)
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - began)))
    socket.once('connect', () => {
      socket.write(head)
      resolve({ socket, response: () => text, closed })
    })
    socket.once('error', reject)
  })
}

const head = (headers: string, length: number) =>
  `POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}Content-Length: ${length}\r\n\r\n`

describe('the Authorization header is checked before the body is read', () => {
  let t: TestApp
  let secret: ReturnType<typeof countingSecret>
  beforeAll(async () => {
    t = await buildTestApp({}, { secret: (s) => (secret = countingSecret(s)) })
  })
  afterAll(() => t.close())

  it('answers 403 for a wrong Bearer token before looking at a body that is not even JSON', async () => {
    const res = await post(t, '{"data": ', { authorization: 'Bearer wrong' })
    expect(res.statusCode).toBe(403)
    expect(res.headers.connection).toBe('close')
  })

  it('answers 401 for a header that is not a Bearer token before checking the body', async () => {
    const res = await post(t, { data: 'x' }, { authorization: 'Basic abc' })
    expect(res.statusCode).toBe(401)
  })

  it('still takes the token from the body when no header is given', async () => {
    const res = await post(t, { token: TOKEN, data: email() })
    expect(res.statusCode).toBe(200)
    await t.drain(1)
  })

  it('checks a valid header once per request', async () => {
    const before = secret.reads()
    expect((await post(t, { data: email() }, bearer)).statusCode).toBe(200)
    expect(secret.reads() - before).toBeLessThanOrEqual(1)
    await t.drain(1)
  })
})

describe('slow clients over a real socket', () => {
  let t: TestApp
  let port: number
  beforeAll(async () => {
    t = await buildTestApp({}, { timeouts: { bodyTimeoutMs: 2000, minBodyBytes: 1024 } })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const address = t.app.server.address()
    if (address === null || typeof address === 'string') throw new Error('not listening')
    port = address.port
  })
  afterAll(() => t.close())

  it('answers a wrong header 403 at once, without waiting for the body, and closes', async () => {
    const raw = await open(port, head('Authorization: Bearer wrong\r\n', 1000))
    const ms = await raw.closed
    expect(raw.response()).toMatch(/^HTTP\/1\.1 403 /)
    expect(ms).toBeLessThan(1500)
  })

  it('keeps serving normal requests while 500 clients trickle their bodies, then cuts those off', async () => {
    const slow = await Promise.all(Array.from({ length: 500 }, () => open(port, head('', 1000))))
    const trickle = setInterval(() => {
      for (const raw of slow) if (!raw.socket.destroyed) raw.socket.write(' ')
    }, 1000)
    try {
      const url = `http://127.0.0.1:${port}/ingest`
      const began = Date.now()
      const answers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...bearer },
            body: JSON.stringify({ data: email({ n: i }) }),
          })
          return res.status
        }),
      )
      expect(answers).toEqual(Array(50).fill(200))
      expect(Date.now() - began).toBeLessThan(5000)
      const lived = await Promise.all(slow.map((raw) => raw.closed))
      expect(Math.max(...lived)).toBeLessThan(10_000)
      expect(slow.every((raw) => raw.response().startsWith('HTTP/1.1 408 '))).toBe(true)
    } finally {
      clearInterval(trickle)
      for (const raw of slow) raw.socket.destroy()
    }
    expect(await t.drain(50)).toHaveLength(50)
  }, 30_000)
})
