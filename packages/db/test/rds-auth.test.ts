import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from '../src/connect.ts'
import { createPool } from '../src/database.ts'
import { authOptions, RDS_CERTIFICATE_AUTHORITIES } from '../src/rds-auth.ts'
import { type PasswordRecorder, startPasswordRecorder } from './fake-postgres.ts'

const URL_IAM = 'postgres://ferry_api@db.abc123.us-east-1.rds.amazonaws.com:5432/api'
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' }
const servers: PasswordRecorder[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function recorder(tls?: { key: string; cert: string }): Promise<PasswordRecorder> {
  const server = await startPasswordRecorder(tls)
  servers.push(server)
  return server
}

/** A self-signed certificate for localhost (openssl), or undefined where openssl is missing. */
function selfSigned(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    }
  } catch {
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

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
    const { port, seen } = await recorder()
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
    const { port, seen } = await recorder()
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

const certificate = selfSigned()
describe.runIf(certificate)('the server certificate (a self-signed one for localhost)', () => {
  it('is refused with IAM authentication, even when the URL says sslmode=require', async () => {
    const { port, seen } = await recorder(certificate)
    const db = await connect(`postgres://ferry_api@localhost:${port}/api?sslmode=require`, {
      auth: { kind: 'iam', region: 'us-east-1', credentials: CREDENTIALS },
    })
    await expect(db.ping()).rejects.toThrow(/self[- ]signed certificate/)
    await db.close()
    expect(seen[0]).toBe('<SSLRequest>')
    expect(seen.every((s) => s.startsWith('<'))).toBe(true)
  })

  it('is accepted by a plain sslmode=require, which is why IAM authentication does not use it', async () => {
    const { port, seen } = await recorder(certificate)
    const db = await connect(
      `postgres://ferry_api:sent-in-clear@localhost:${port}/api?sslmode=require`,
    )
    await expect(db.ping()).rejects.toThrow(/password authentication failed/)
    await db.close()
    expect(seen).toContain('<TLS established>')
    expect(seen).toContain('sent-in-clear')
  })
})
