import type { Sql } from '@ferry/db'
import {
  conflict,
  notFound,
  problemResponses,
  type RoutePlugin,
  type ServiceApp,
  unprocessable,
} from '@ferry/kit'
import { Type } from '@sinclair/typebox'
import { requireUser } from '../auth.ts'
import {
  KIND_NAMES,
  KINDS,
  type KindSpec,
  moneyErrors,
  nulErrors,
  UserId,
  UserRecords,
} from '../users/kinds.ts'
import {
  deleteRecord,
  findRecord,
  findRecords,
  insertRecord,
  updateRecord,
} from '../users/records.ts'

export interface UserRoutesOptions {
  sql: Sql
}

const Params = Type.Object({ user_id: UserId })
const Message = Type.Object({ message: Type.String() })
const tags = ['users']

/** Checks JSON Schema cannot express: cents on amounts, no NUL in text (PostgreSQL refuses it). */
function checkBody(spec: KindSpec, body: Record<string, unknown>): void {
  const errors = [...moneyErrors(spec, body), ...nulErrors(body)]
  if (errors.length > 0) {
    const fields = errors.length === 1 ? '1 field' : `${errors.length} fields`
    throw unprocessable(`The request body is invalid (${fields}).`, errors)
  }
}

const missing = (spec: KindSpec, userId: string) =>
  notFound(`${spec.title} info not found for user ${userId}`)

function kindRoutes(app: ServiceApp, sql: Sql, spec: KindSpec): void {
  const { kind, title } = spec

  app.post(
    `/${kind}`,
    {
      schema: {
        tags,
        summary: `Create a user's ${kind} info`,
        body: spec.Create,
        response: { 201: spec.Record, ...problemResponses(401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const { body } = request
      requireUser(request, body.user_id)
      checkBody(spec, body)
      const record = await insertRecord(sql, spec, body)
      if (!record) throw conflict(`${title} info already exists for user ${body.user_id}`)
      return reply.code(201).send(record)
    },
  )

  app.get(
    `/:user_id/${kind}`,
    {
      schema: {
        tags,
        summary: `Read a user's ${kind} info`,
        params: Params,
        response: { 200: spec.Record, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const userId = request.params.user_id
      requireUser(request, userId)
      const record = await findRecord(sql, spec, userId)
      if (!record) throw missing(spec, userId)
      return record
    },
  )

  app.patch(
    `/:user_id/${kind}`,
    {
      schema: {
        tags,
        summary: `Change some of a user's ${kind} info`,
        description: 'Omitted fields stay as they are; null clears a field that may be empty.',
        params: Params,
        body: spec.Patch,
        response: { 200: spec.Record, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const userId = request.params.user_id
      requireUser(request, userId)
      checkBody(spec, request.body)
      const record = await updateRecord(sql, spec, userId, request.body)
      if (!record) throw missing(spec, userId)
      return record
    },
  )

  app.delete(
    `/:user_id/${kind}`,
    {
      schema: {
        tags,
        summary: `Delete a user's ${kind} info`,
        params: Params,
        response: { 200: Message, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const userId = request.params.user_id
      requireUser(request, userId)
      if (!(await deleteRecord(sql, spec, userId))) throw missing(spec, userId)
      return { message: `${title} info deleted for user ${userId}` }
    },
  )
}

/** CRUD of each kind of user record, and every record of one user (prefix /users). */
export const userRoutes: RoutePlugin<UserRoutesOptions> = async (app, options) => {
  const { sql } = options
  for (const kind of KIND_NAMES) kindRoutes(app, sql, KINDS[kind])

  app.get(
    '/:user_id',
    {
      schema: {
        tags,
        summary: 'Every record of a user (null where there is none)',
        params: Params,
        response: { 200: UserRecords, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const userId = request.params.user_id
      requireUser(request, userId)
      const records = await findRecords(sql, userId)
      if (Object.values(records).every((r) => r === null)) {
        throw notFound(`No records found for user ${userId}`)
      }
      // The rows were read with each kind's select list, so they have the Record shapes.
      return { user_id: userId, ...records } as UserRecords
    },
  )
}
