import { createServer, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { TLSSocket } from 'node:tls'

/** A fake PostgreSQL server; `seen` lists what clients sent, in order. */
export interface PasswordRecorder {
  port: number
  /** `<SSLRequest>`, `<TLS ClientHello>`, `<TLS established>`, `<TLS refused>`, or a password. */
  seen: string[]
  close(): Promise<void>
}

const SSL_REQUEST = 80877103
const ASK_CLEARTEXT_PASSWORD = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])

function refusal(): Buffer {
  const fields = 'SFATAL\0C28P01\0Mpassword authentication failed\0\0'
  const error = Buffer.alloc(5 + Buffer.byteLength(fields))
  error.write('E')
  error.writeInt32BE(4 + Buffer.byteLength(fields), 1)
  error.write(fields, 5)
  return error
}

/**
 * A server that asks every client for a cleartext password, records it and refuses it: what
 * each connection attempt sends, without a real server (the test server trusts everyone). With
 * `tls` it accepts an SSLRequest and serves that certificate; without, it declines TLS and drops
 * a client that starts a handshake anyway.
 */
export async function startPasswordRecorder(tls?: {
  key: string
  cert: string
}): Promise<PasswordRecorder> {
  const seen: string[] = []
  const serve = (stream: Duplex, raw: Socket | undefined) => {
    let buffer = Buffer.alloc(0)
    let started = false
    const onData = (chunk: Buffer) => {
      if (!started && chunk[0] === 0x16) {
        seen.push('<TLS ClientHello>')
        stream.destroy()
        return
      }
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const offset = started ? 1 : 0
        if (buffer.length < offset + 4) return
        const length = buffer.readInt32BE(offset) + offset
        if (buffer.length < length) return
        const message = buffer.subarray(0, length)
        buffer = buffer.subarray(length)
        if (!started && message.readInt32BE(4) === SSL_REQUEST) {
          seen.push('<SSLRequest>')
          if (tls === undefined || raw === undefined) {
            stream.write('N')
            continue
          }
          raw.removeListener('data', onData)
          raw.write('S')
          const secure = new TLSSocket(raw, { isServer: true, ...tls })
          secure.on('secure', () => seen.push('<TLS established>'))
          secure.on('error', () => seen.push('<TLS refused>'))
          serve(secure, undefined)
          return
        }
        if (!started) {
          started = true
          stream.write(ASK_CLEARTEXT_PASSWORD)
        } else if (message[0] === 0x70) {
          seen.push(message.toString('utf8', 5, length - 1)) // PasswordMessage
          stream.end(refusal())
        }
      }
    }
    stream.on('data', onData)
    stream.on('error', () => {})
  }
  const server = createServer((socket) => serve(socket, socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
