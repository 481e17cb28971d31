import { connect } from 'node:net'
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type ServiceApp } from '../src/index.ts'
import { captureLogs } from '../src/testing.ts'

let app: ServiceApp
let port: number

beforeAll(async () => {
  app = createService({ name: 'test', version: '1', logger: { stream: captureLogs().stream } })
  app.get('/users/:id', { schema: { params: Type.Object({ id: Type.String() }) } }, (req) => ({
    id: req.params.id,
  }))
  app.post('/echo', (req) => req.body)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  port = typeof address === 'object' && address ? address.port : 0
})
afterAll(() => app?.close())

interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/** Sends raw bytes and reads the whole answer until the server closes or a full response arrived. */
function raw(request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString()
      const [head = '', body = ''] = text.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const i = line.indexOf(':')
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body })
    })
    socket.write(request)
  })
}

function expectProblem(answer: RawAnswer, status: number, code: string) {
  expect(answer.status).toBe(status)
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = JSON.parse(answer.body)
  expect(body).toMatchObject({ status, code, title: expect.any(String) })
  expect(body.detail).toEqual(expect.any(String))
  return body
}

describe('errors raised before routing', () => {
  it('answers a path that does not percent-decode with 400 problem+json', async () => {
    const answer = await raw('GET /users/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    const body = expectProblem(answer, 400, 'invalid_url')
    expect(body.instance).toBe('/users/%ZZ')
    expect(answer.headers['x-request-id']).toBeTruthy()
  })

  it('answers the same through inject', async () => {
    const res = await app.inject({ method: 'GET', url: '/users/%ZZ' })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json().code).toBe('invalid_url')
  })

  it('answers a 20 KB header with 431 problem+json', async () => {
    const answer = await raw(
      `GET /users/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    )
    expectProblem(answer, 431, 'headers_too_large')
  })

  it('answers a 100 KB URL with 431 problem+json', async () => {
    const answer = await raw(`GET /users/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)
    expectProblem(answer, 431, 'headers_too_large')
  })

  it('answers Content-Length with Transfer-Encoding with 400 problem+json', async () => {
    const answer = await raw(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    )
    const body = expectProblem(answer, 400, 'malformed_request')
    expect(body.detail).toMatch(/not valid HTTP/)
  })

  it('answers a garbage request line with 400 problem+json', async () => {
    expectProblem(await raw('HELLO\r\n\r\n'), 400, 'malformed_request')
  })
})
