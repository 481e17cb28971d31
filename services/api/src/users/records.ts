import type { Sql } from '@ferry/db'
import { KIND_NAMES, KINDS, type Kind, type KindSpec } from './kinds.ts'

/** A record as clients see it: NUMERIC as numbers, DATE as YYYY-MM-DD, timestamps as ISO 8601. */
export type UserRecord = Record<string, unknown>

/** Each kind's record of one user, null where absent. */
export type UserRecordSet = Record<Kind, UserRecord | null>

/** The select list of a kind. Built only from the kind table's constant column names. */
function selectList(spec: KindSpec): string {
  const columns = spec.columns.map((c) =>
    spec.dates.includes(c) ? `to_char(${c}, 'YYYY-MM-DD') as ${c}` : c,
  )
  return ['user_id', ...columns, 'created_at', 'updated_at'].join(', ')
}

function toRecord(spec: KindSpec, row: Record<string, unknown>): UserRecord {
  const record: UserRecord = { ...row }
  for (const column of spec.money) {
    if (record[column] !== null) record[column] = Number(record[column])
  }
  for (const column of ['created_at', 'updated_at']) {
    const value = row[column]
    if (value instanceof Date) record[column] = value.toISOString()
  }
  return record
}

/** The entries of `body` whose keys are in `columns`: never a column the body merely named. */
function pick(body: Record<string, unknown>, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.filter((c) => c in body).map((c) => [c, body[c]]))
}

/** Inserts the record; undefined when the user already has one of this kind. */
export async function insertRecord(
  sql: Sql,
  spec: KindSpec,
  body: Record<string, unknown>,
): Promise<UserRecord | undefined> {
  const values = pick(body, ['user_id', ...spec.columns])
  const [row] = await sql`
    insert into ${sql(spec.table)} ${sql(values, ...Object.keys(values))}
    on conflict (user_id) do nothing
    returning ${sql.unsafe(selectList(spec))}`
  return row && toRecord(spec, row)
}

export async function findRecord(
  sql: Sql,
  spec: KindSpec,
  userId: string,
): Promise<UserRecord | undefined> {
  const [row] = await sql`
    select ${sql.unsafe(selectList(spec))} from ${sql(spec.table)} where user_id = ${userId}`
  return row && toRecord(spec, row)
}

/**
 * Sets the columns present in `patch` (null clears) and leaves the others as they are; returns
 * the record, or undefined when the user has none of this kind.
 */
export async function updateRecord(
  sql: Sql,
  spec: KindSpec,
  userId: string,
  patch: Record<string, unknown>,
): Promise<UserRecord | undefined> {
  const values = pick(patch, spec.columns)
  const columns = Object.keys(values)
  if (columns.length === 0) return findRecord(sql, spec, userId)
  const [row] = await sql`
    update ${sql(spec.table)} set ${sql(values, ...columns)}
    where user_id = ${userId}
    returning ${sql.unsafe(selectList(spec))}`
  return row && toRecord(spec, row)
}

/** Deletes the record; false when there was none. */
export async function deleteRecord(sql: Sql, spec: KindSpec, userId: string): Promise<boolean> {
  const rows = await sql`delete from ${sql(spec.table)} where user_id = ${userId} returning user_id`
  return rows.length > 0
}

/** Every kind's record of the user, null where absent. */
export async function findRecords(sql: Sql, userId: string): Promise<UserRecordSet> {
  const [personal, financial, health] = await Promise.all(
    KIND_NAMES.map((k) => findRecord(sql, KINDS[k], userId)),
  )
  return { personal: personal ?? null, financial: financial ?? null, health: health ?? null }
}
