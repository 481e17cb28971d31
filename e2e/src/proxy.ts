import { createConnection, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy the test controls, to make a dependency unreachable for a while: `cut()` drops every
 * connection and refuses new ones; `restore()` accepts again on the same port.
 */
export interface TcpProxy {
  port: number
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const handle = (client: Socket) => {
    const upstream = createConnection({ host: targetHost, port: targetPort })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  }
  let server: Server = createServer(handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const closeServer = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy()
      server.close(() => r())
    })
  return {
    port,
    cut: closeServer,
    async restore() {
      server = createServer(handle)
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    },
    close: () => (server.listening ? closeServer() : Promise.resolve()),
  }
}
