import type { ProblemFieldError } from '@ferry/kit'
import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox'

/**
 * The three kinds of user record, table-driven: each kind names its table, its writable columns
 * and the TypeBox schemas of its create body, patch body and stored record. Everything else
 * (queries, routes, exports) is written once against this table.
 */

export const UserId = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@|:+=-]*$',
  description: "The user's id: the `sub` of their token",
})

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const MAX_MONEY = 9_999_999_999_999.99
const Money = Type.Number({
  minimum: 0,
  maximum: MAX_MONEY,
  description: 'Amount ≥ 0 with at most 2 decimal places',
})
const List = Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })
const BLOOD_TYPES = ['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'] as const
const BloodType = Type.Union(BLOOD_TYPES.map((t) => Type.Literal(t)))
const Timestamps = {
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
}

/** Fields that a create body must hold, and the others (NOT NULL or nullable per schema). */
interface Fields<R extends TProperties, O extends TProperties> {
  required: R
  optional: O
}

function schemasOf<R extends TProperties, O extends TProperties>(fields: Fields<R, O>) {
  const strict = { additionalProperties: false }
  const all = { ...fields.required, ...fields.optional }
  return {
    Create: Type.Object(
      {
        user_id: UserId,
        ...fields.required,
        ...Type.Partial(Type.Object(fields.optional)).properties,
      },
      strict,
    ),
    Patch: Type.Partial(Type.Object(all), strict),
    Record: Type.Object({ user_id: UserId, ...all, ...Timestamps }),
  }
}

const personal = schemasOf({
  required: {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.String({ format: 'email', maxLength: 254 }),
  },
  optional: {
    phone: Nullable(Type.String({ minLength: 1, maxLength: 40 })),
    address: Nullable(Type.String({ minLength: 1, maxLength: 500 })),
    date_of_birth: Nullable(Type.String({ format: 'date', description: 'YYYY-MM-DD' })),
  },
})

const financial = schemasOf({
  required: {},
  optional: {
    account_number: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
    credit_score: Nullable(Type.Integer({ minimum: 300, maximum: 850 })),
    annual_income: Nullable(Money),
    total_debt: Nullable(Money),
  },
})

const health = schemasOf({
  required: {},
  optional: {
    blood_type: Nullable(BloodType),
    conditions: List,
    medications: List,
    allergies: List,
  },
})

export const KIND_NAMES = ['personal', 'financial', 'health'] as const
export type Kind = (typeof KIND_NAMES)[number]

export interface KindSpec {
  kind: Kind
  /** Capitalised, for messages: "Personal info not found for user …". */
  title: string
  table: string
  /** Writable columns besides user_id, in table order. */
  columns: readonly string[]
  /** DATE columns: read back as YYYY-MM-DD text, never through a timezone. */
  dates: readonly string[]
  /** NUMERIC columns: strings from the driver, JSON numbers on the wire. */
  money: readonly string[]
  /**
   * The create body's schema, typed by what all three have in common (so routes written once
   * for every kind read `request.body.user_id` without a cast): the user the record is for.
   */
  Create: TSchema & { static: Record<string, unknown> & { user_id: string } }
  Patch: TObject
  Record: TObject
}

export const KINDS = {
  personal: {
    kind: 'personal',
    title: 'Personal',
    table: 'users_personal',
    columns: ['name', 'email', 'phone', 'address', 'date_of_birth'],
    dates: ['date_of_birth'],
    money: [],
    ...personal,
  },
  financial: {
    kind: 'financial',
    title: 'Financial',
    table: 'users_financial',
    columns: ['account_number', 'credit_score', 'annual_income', 'total_debt'],
    dates: [],
    money: ['annual_income', 'total_debt'],
    ...financial,
  },
  health: {
    kind: 'health',
    title: 'Health',
    table: 'users_health',
    columns: ['blood_type', 'conditions', 'medications', 'allergies'],
    dates: [],
    money: [],
    ...health,
  },
} as const satisfies Record<Kind, KindSpec>

/** Every record of one user; null where the user has none of that kind. */
export const UserRecords = Type.Object({
  user_id: UserId,
  personal: Nullable(personal.Record),
  financial: Nullable(financial.Record),
  health: Nullable(health.Record),
})
export type UserRecords = Static<typeof UserRecords>

/** True when `value` has at most 2 decimal places (JSON Schema's multipleOf misjudges floats). */
function inCents(value: number): boolean {
  return Number(value.toFixed(2)) === value
}

/** One error per money field of `body` with more than 2 decimal places. */
export function moneyErrors(spec: KindSpec, body: Record<string, unknown>): ProblemFieldError[] {
  return spec.money
    .filter((column) => typeof body[column] === 'number' && !inCents(body[column]))
    .map((column) => ({ path: `/${column}`, message: 'must have at most 2 decimal places' }))
}

/**
 * One error per text field (or list entry) of `body` holding a NUL character, which PostgreSQL's
 * text columns cannot store.
 */
export function nulErrors(body: Record<string, unknown>): ProblemFieldError[] {
  const errors: ProblemFieldError[] = []
  const message = 'must not contain a NUL character (U+0000)'
  for (const [field, value] of Object.entries(body)) {
    if (typeof value === 'string' && value.includes('\0'))
      errors.push({ path: `/${field}`, message })
    if (!Array.isArray(value)) continue
    value.forEach((item, i) => {
      if (typeof item === 'string' && item.includes('\0')) {
        errors.push({ path: `/${field}/${i}`, message })
      }
    })
  }
  return errors
}
