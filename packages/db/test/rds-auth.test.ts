import { X509Certificate } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import { createPool } from '../src/database.ts'
import { authOptions, RDS_CERTIFICATE_AUTHORITIES } from '../src/rds-auth.ts'

const URL_IAM = 'postgres://ferry_api@db.abc123.us-east-1.rds.amazonaws.com:5432/api'
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' }
/**
 * A PostgreSQL server that only asks for a cleartext password, records it, and refuses it: what
 * each connection attempt sends, without a real server (the test server trusts everyone).
 */
async function passwordRecorder(): Promise<{ port: number; seen: string[]; server: Server }> {
  const seen: string[] = []
  const server = createServer((socket: Socket) => {
    let buffer = Buffer.alloc(0)
    let started = false
    socket.on('data', (chunk) => {
      if (!started && chunk[0] === 0x16) {
        seen.push('<TLS ClientHello>')
        socket.destroy()
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
        if (!started && message.readInt32BE(4) === 80877103) {
          seen.push('<SSLRequest>')
          socket.write('N')
        } else if (!started) {
          started = true
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])) // AuthenticationCleartextPassword
        } else if (message[0] === 0x70) {
          seen.push(message.toString('utf8', 5, length - 1)) // PasswordMessage
          const fields = 'SFATAL\0C28P01\0Mpassword authentication failed\0\0'
          const error = Buffer.alloc(5 + Buffer.byteLength(fields))
          error.write('E')
          error.writeInt32BE(4 + Buffer.byteLength(fields), 1)
          error.write(fields, 5)
          socket.end(error)
        }
      }
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { port: address.port, seen, server }
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

describe('IAM database authentication', () => {
  it('adds nothing for password authentication', () => {
    expect(authOptions(URL_IAM, undefined)).toEqual({})
    expect(authOptions(URL_IAM, { kind: 'password' })).toEqual({})
  })

  it('signs an RDS connect token for the URL user, host and port', async () => {
    const { pass } = authOptions(URL_IAM, {
      kind: 'iam',
      region: 'us-east-1',
      credentials: CREDENTIALS,
    })
    const token = (await pass?.()) ?? ''
    const [where, query] = token.split('?')
    expect(where).toBe('db.abc123.us-east-1.rds.amazonaws.com:5432/')
    const params = Object.fromEntries(new URLSearchParams(query))
    expect(params).toEqual({
      Action: 'connect',
      DBUser: 'ferry_api',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': expect.stringMatching(
        /^AKIDEXAMPLE\/\d{8}\/us-east-1\/rds-db\/aws4_request$/,
      ),
      'X-Amz-Date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
      'X-Amz-Expires': '900',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    })
  })

  it('asks for a fresh token on each connection attempt', async () => {
    const { port, seen, server } = await passwordRecorder()
    servers.push(server)
    let signed = 0
    const credentials = async () => {
      signed += 1
      return CREDENTIALS
    }
    const { pass } = authOptions(URL_IAM, { kind: 'iam', region: 'us-east-1', credentials })
    const sql = createPool(
      `postgres://ferry_api@127.0.0.1:${port}/api`,
      { max: 1, idleTimeout: 1 },
      {},
      { pass },
    )
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(sql`select 1`).rejects.toThrow(/password authentication failed/)
    }
    await sql.end({ timeout: 1 })
    expect(seen).toHaveLength(3)
    expect(signed).toBe(3)
    for (const token of seen) expect(token).toMatch(/^db\.abc123\..*&DBUser=ferry_api&/)
  })

  it('verifies the server certificate against the RDS authorities and the host name', () => {
    const { ssl } = authOptions(`${URL_IAM}?sslmode=require`, { kind: 'iam', region: 'us-east-1' })
    expect(ssl).toMatchObject({
      rejectUnauthorized: true,
      servername: 'db.abc123.us-east-1.rds.amazonaws.com',
    })
    expect(ssl?.ca).toEqual([...RDS_CERTIFICATE_AUTHORITIES])
  })

  it('trusts the RDS root authorities of the current generation, and only authorities', () => {
    const certificates = RDS_CERTIFICATE_AUTHORITIES.map((pem) => new X509Certificate(pem))
    const names = certificates.map((c) => c.subject)
    for (const root of ['RSA2048 G1', 'RSA4096 G1', 'ECC384 G1']) {
      expect(names).toContainEqual(expect.stringContaining(`Amazon RDS us-east-1 Root CA ${root}`))
    }
    expect(certificates.every((c) => c.ca)).toBe(true)
  })

  it('demands TLS before sending anything, whatever the URL says', async () => {
    const { port, seen, server } = await passwordRecorder()
    servers.push(server)
    const db = await connect(`postgres://ferry_api@localhost:${port}/api?sslmode=disable`, {
      auth: { kind: 'iam', region: 'us-east-1', credentials: CREDENTIALS },
    })
    await expect(db.ping()).rejects.toThrow()
    await db.close()
    expect(seen.slice(0, 2)).toEqual(['<SSLRequest>', '<TLS ClientHello>'])
    expect(seen.every((s) => s.startsWith('<'))).toBe(true)
  })

  it('refuses a URL without a user or with a password', () => {
    const iam = { kind: 'iam', region: 'us-east-1' } as const
    expect(() => authOptions('postgres://db.example:5432/api', iam)).toThrow(/user/)
    expect(() => authOptions('postgres://u:secret@db.example:5432/api', iam)).toThrow(/password/)
  })
})
