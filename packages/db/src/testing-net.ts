import { createConnection, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1 that a test controls, to make a dependency (a database, an AWS
 * endpoint) unreachable for a while and bring it back.
 */
export interface TcpProxy {
  /** The port it listens on, 127.0.0.1; the same after a restore(). */
  readonly port: number
  /** `url` with its host and port replaced by the proxy's (credentials, path, query kept). */
  via(url: string): string
  /** Drops every connection and refuses new ones (connection refused) until restore(). */
  cut(): Promise<void>
  /** Accepts again on the same port; a no-op while it accepts. */
  restore(): Promise<void>
  close(): Promise<void>
}

/** Starts a proxy to `host:port` (for example the host and port of a database URL). */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const handle = (client: Socket) => {
    const upstream = createConnection({ host, port })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  }
  let server: Server = createServer(handle)
  const listen = (on: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(on, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  const shut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      if (server.listening) server.close(() => resolve())
      else resolve()
    })
  await listen(0)
  const address = server.address()
  const own = typeof address === 'object' && address ? address.port : 0
  return {
    port: own,
    via(url) {
      const proxied = new URL(url)
      proxied.hostname = '127.0.0.1'
      proxied.port = String(own)
      return proxied.toString()
    },
    cut: shut,
    async restore() {
      if (server.listening) return
      server = createServer(handle)
      await listen(own)
    },
    close: shut,
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
/** A proxy in front of the server of a URL (`postgres://…`, `http://…`), for cutting it off. */
export function startTcpProxyTo(url: string, defaultPort = 5432): Promise<TcpProxy> {
  const target = new URL(url)
  return startTcpProxy(target.hostname, Number(target.port || defaultPort))
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
