import type { Sql } from '@ferry/db'

/** A record of a generated file: `id` runs 0…n−1 and every field derives from it. */
export interface GeneratedRecord {
  id: number
  type: string
  amount: number
  note: string
}

export function generatedRecord(id: number, type = 'order'): GeneratedRecord {
  return { id, type, amount: id * 1.5, note: `record ${id}` }
}

/** A clearinghouse input file of `n` generated records, as `{"records": [...]}`. */
export function generatedFile(n: number, type = 'order'): string {
  return JSON.stringify({ records: Array.from({ length: n }, (_, i) => generatedRecord(i, type)) })
}

/** What the clearinghouse stored for one key: its log row and a summary of its records. */
export interface Loaded {
  status: string | undefined
  attempts: number | undefined
  record_count: number | null | undefined
  /** Rows in processed_data for the key. */
  rows: number
  /** Distinct `id`s among those rows; equal to `rows` when none is duplicated. */
  distinct_ids: number
  min_id: number | null
  max_id: number | null
  /** Sum of `amount` over the rows, exact (NUMERIC as text). */
  amount_sum: string | null
}

export async function loaded(sql: Sql, key: string): Promise<Loaded> {
  const [log] = await sql<{ status: string; attempts: number; record_count: number | null }[]>`
    select status, attempts, record_count from file_processing_log where s3_key = ${key}`
  const [summary] = await sql<Omit<Loaded, 'status' | 'attempts' | 'record_count'>[]>`
    select count(*)::int as rows,
      count(distinct (record_data->>'id')::int)::int as distinct_ids,
      min((record_data->>'id')::int) as min_id, max((record_data->>'id')::int) as max_id,
      sum((record_data->>'amount')::numeric)::text as amount_sum
    from processed_data p join file_processing_log l on l.id = p.file_log_id
    where l.s3_key = ${key}`
  return {
    status: log?.status,
    attempts: log?.attempts,
    record_count: log?.record_count,
    ...(summary as Omit<Loaded, 'status' | 'attempts' | 'record_count'>),
  }
}

/** What {@link loaded} gives for a file of `n` generated records stored exactly once. */
export function loadedOnce(n: number): Omit<Loaded, 'attempts'> {
  // Σ 1.5·i for i < n, exact: 0.75·n·(n−1) has at most one decimal.
  const sum = (3 * n * (n - 1)) / 4
  return {
    status: 'COMPLETED',
    record_count: n,
    rows: n,
    distinct_ids: n,
    min_id: 0,
    max_id: n - 1,
    amount_sum: Number.isInteger(sum) ? `${sum}.0` : String(sum),
  }
}

/** The stored records with these ids, for comparing a sample with what the file held. */
export async function storedRecords(sql: Sql, key: string, ids: number[]): Promise<unknown[]> {
  const rows = await sql<{ record_data: unknown }[]>`
    select record_data from processed_data p join file_processing_log l on l.id = p.file_log_id
    where l.s3_key = ${key} and (record_data->>'id')::int = any(${ids}::int[])
    order by (record_data->>'id')::int`
  return rows.map((r) => r.record_data)
}
