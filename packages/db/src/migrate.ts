import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Sql, TransactionSql } from './database.ts'
import { fromDbError, isTransientDbError } from './errors.ts'

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** The table recording applied files, in the current schema. Default `schema_migrations`. */
  table?: string
}

/** A migration that could not be applied; `file` names the culprit. */
export class MigrationError extends Error {
  readonly file: string

  constructor(file: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MigrationError'
    this.file = file
  }
}

interface MigrationFile {
  name: string
  sql: string
  checksum: string
}

/**
 * Applies the `*.sql` files of `dir` that the database has not seen, in order of their numeric
 * prefix (then name), and returns the names it applied. Every pending file runs in one
 * transaction that first takes an advisory lock keyed on the current schema and table name, so
 * replicas starting together apply each file once: the others wait, then find nothing to do.
 * Throws a MigrationError naming the file, with nothing applied, when a file fails or when an
 * applied file's content changed (migrations are append-only). Files therefore must not contain
 * their own BEGIN/COMMIT or statements that refuse a transaction (CREATE INDEX CONCURRENTLY).
 * Throws a DbError when the database is unreachable or drops the connection.
 */
export async function migrate(
  sql: Sql,
  dir: string,
  options: MigrateOptions = {},
): Promise<{ applied: string[] }> {
  const table = options.table ?? 'schema_migrations'
  const files = await readMigrations(dir)
  const applied = await sql
    .begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(current_schema() || '.' || ${table}, 0))`
      await tx`
      create table if not exists ${tx(table)} (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`
      const pending = await findPending(tx, table, files)
      for (const file of pending) await applyFile(tx, table, file)
      return pending.map((f) => f.name)
    })
    .catch((error: unknown) => {
      throw fromDbError(error)
    })
  return { applied }
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort(byNumericPrefix)
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    }),
  )
}

function byNumericPrefix(a: string, b: string): number {
  const [x, y] = [numericPrefix(a), numericPrefix(b)]
  if (x !== y) return x < y ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

function numericPrefix(name: string): number {
  const digits = /^\d+/.exec(name)
  return digits === null ? Number.POSITIVE_INFINITY : Number(digits[0])
}

async function findPending(
  tx: TransactionSql,
  table: string,
  files: MigrationFile[],
): Promise<MigrationFile[]> {
  const rows = await tx<{ name: string; checksum: string }[]>`
    select name, checksum from ${tx(table)}`
  const known = new Map(rows.map((r) => [r.name, r.checksum]))
  for (const file of files) {
    const checksum = known.get(file.name)
    if (checksum !== undefined && checksum !== file.checksum) {
      throw new MigrationError(
        file.name,
        `migration ${file.name} changed after it was applied; add a new migration instead`,
      )
    }
  }
  return files.filter((f) => !known.has(f.name))
}

async function applyFile(tx: TransactionSql, table: string, file: MigrationFile): Promise<void> {
  try {
    await tx.unsafe(file.sql)
  } catch (error) {
    if (isTransientDbError(error)) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new MigrationError(file.name, `migration ${file.name} failed: ${reason}`, {
      cause: error,
    })
  }
  await tx`insert into ${tx(table)} (name, checksum) values (${file.name}, ${file.checksum})`
}
