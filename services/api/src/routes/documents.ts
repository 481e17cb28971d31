import { notFound, problemResponses, type RoutePlugin } from '@ferry/kit'
import { Type } from '@sinclair/typebox'
import { requireUser } from '../auth.ts'
import { type Documents, documentKey } from '../documents.ts'
import { KIND_NAMES, KINDS, UserId } from '../users/kinds.ts'

export interface DocumentRoutesOptions {
  documents: Documents
}

const Params = Type.Object({ user_id: UserId })
const AnyJson = Type.Unknown({ description: 'The JSON document as stored' })
const tags = ['documents']

/** Users' snapshots in the documents bucket: `users/{kind}/{user_id}.json` (prefix /users). */
export const documentRoutes: RoutePlugin<DocumentRoutesOptions> = async (app, options) => {
  const { documents } = options

  for (const kind of KIND_NAMES) {
    const { title } = KINDS[kind]
    app.get(
      `/:user_id/s3/${kind}`,
      {
        schema: {
          tags,
          summary: `Read the ${kind} snapshot of a user from S3`,
          params: Params,
          response: { 200: AnyJson, ...problemResponses(401, 403, 404, 409, 503) },
        },
      },
      async (request) => {
        const userId = request.params.user_id
        requireUser(request, userId)
        const document = await documents.read(documentKey(kind, userId))
        if (!document) throw notFound(`${title} info not found in S3 for user ${userId}`)
        return document.content
      },
    )
  }

  app.get(
    '/:user_id/s3/all',
    {
      schema: {
        tags,
        summary: 'Read every snapshot of a user from S3 (null where absent)',
        params: Params,
        response: {
          200: Type.Object({ personal: AnyJson, financial: AnyJson, health: AnyJson }),
          ...problemResponses(401, 403, 404, 409, 503),
        },
      },
    },
    async (request) => {
      const userId = request.params.user_id
      requireUser(request, userId)
      const read = await Promise.all(KIND_NAMES.map((k) => documents.read(documentKey(k, userId))))
      if (read.every((d) => d === undefined)) {
        throw notFound(`No records found in S3 for user ${userId}`)
      }
      const [personal, financial, health] = read.map((d) => (d ? d.content : null))
      return { personal, financial, health }
    },
  )
}
