import { createServer, connect as tcpConnect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startTcpProxy, type TcpProxy } from '../src/testing.ts'

/** Sends `text` through port and resolves with what came back, or with the socket error code. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(text))
    let got = ''
    socket.on('data', (chunk) => {
      got += chunk
      if (got.length >= text.length) socket.end(() => resolve(got))
    })
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
  })
}

describe('startTcpProxy()', () => {
  const echo = createServer((socket) => socket.pipe(socket))
  let proxy: TcpProxy
  beforeAll(async () => {
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
    const address = echo.address()
    proxy = await startTcpProxy(
      '127.0.0.1',
      typeof address === 'object' && address ? address.port : 0,
    )
  })
  afterAll(async () => {
    await proxy.close()
    await new Promise((resolve) => echo.close(resolve))
  })

  it('passes bytes both ways, refuses connections while cut and accepts again after restore', async () => {
    expect(await roundTrip(proxy.port, 'before')).toBe('before')
    await proxy.cut()
    expect(await roundTrip(proxy.port, 'during')).toBe('ECONNREFUSED')
    await proxy.restore()
    await proxy.restore()
    expect(await roundTrip(proxy.port, 'after')).toBe('after')
  })

  it('rewrites a URL to its own host and port, keeping the rest', () => {
    expect(proxy.via('postgres://u:p@db.example:5432/app?search_path=s')).toBe(
      `postgres://u:p@127.0.0.1:${proxy.port}/app?search_path=s`,
    )
  })
})

describe('freePort()', () => {
  it('gives a port that can be listened on', async () => {
    const port = await freePort()
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    await new Promise((resolve) => server.close(resolve))
  })
})
