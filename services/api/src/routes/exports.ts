import type { Queue } from '@ferry/cloud'
import type { Sql } from '@ferry/db'
import { problemResponses, type RoutePlugin } from '@ferry/kit'
import { requireUser } from '../auth.ts'
import { buildExport, ExportAccepted, ExportRequest, sendExport } from '../exports.ts'

export interface ExportRoutesOptions {
  sql: Sql
  queue: Queue
}

/**
 * Exports a user's records onto the events queue, for the consumer to snapshot into S3
 * (prefix /users).
 */
export const exportRoutes: RoutePlugin<ExportRoutesOptions> = async (app, options) => {
  const { sql, queue } = options

  app.post(
    '/sqs/send',
    {
      schema: {
        tags: ['events'],
        summary: "Queue an export of a user's records",
        description:
          'The consumer writes it to users/{kind}/{user_id}.json in the documents bucket.',
        body: ExportRequest,
        response: { 200: ExportAccepted, ...problemResponses(400, 401, 403, 404, 422, 503) },
      },
    },
    async (request) => {
      const { user_id, data_type, message_group_id, message_deduplication_id } = request.body
      requireUser(request, user_id)
      const message = await buildExport(sql, user_id, data_type)
      const messageId = await sendExport(queue, message, {
        groupId: message_group_id,
        deduplicationId: message_deduplication_id,
      })
      return { message_id: messageId, user_id, data_type }
    },
  )
}
