import type { DeadLetters } from '@ferry/cloud'
import {
  conflict,
  notFound,
  OPERATOR_SECURITY,
  problemResponses,
  type RoutePlugin,
} from '@ferry/kit'
import {
  DlqMessages,
  DlqMessagesQuery,
  DlqStats,
  RedriveOutcome,
  RedriveProgress,
  RedriveRequest,
  toDlqMessages,
  toDlqStats,
  toRedriveOutcome,
  toRedriveProgress,
} from '../dlq-schemas.ts'

const tags = ['dlq']

/** The dead letters of the worker's queue, for operators (prefix /dlq). */
export const dlqRoutes: RoutePlugin<{ deadLetters: DeadLetters }> = async (app, options) => {
  const { deadLetters } = options

  app.get(
    '',
    {
      schema: {
        tags,
        security: OPERATOR_SECURITY,
        summary: 'Depth of the dead-letter queue and age of its oldest message',
        response: { 200: DlqStats, ...problemResponses(401) },
      },
    },
    async () => toDlqStats(deadLetters.source, await deadLetters.stats()),
  )

  app.get(
    '/messages',
    {
      schema: {
        tags,
        security: OPERATOR_SECURITY,
        summary: 'Dead letters with their receive count and attributes, left in the queue',
        description:
          'On SQS a peek receives the messages for a moment and makes them visible again: it ' +
          'counts as one more receive on the dead-letter queue.',
        querystring: DlqMessagesQuery,
        response: { 200: DlqMessages, ...problemResponses(401, 422) },
      },
    },
    async (request) => toDlqMessages(await deadLetters.peek({ max: request.query.max })),
  )

  app.post(
    '/redrive',
    {
      schema: {
        tags,
        security: OPERATOR_SECURITY,
        summary: 'Send all dead letters, or those named, back to the queue',
        body: RedriveRequest,
        response: {
          200: RedriveOutcome,
          202: RedriveOutcome,
          ...problemResponses(400, 401, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const messageIds = request.body?.message_ids
      if (!messageIds && (await deadLetters.redriveStatus())?.status === 'RUNNING') {
        throw conflict('A redrive of all messages is running already', { code: 'redrive_running' })
      }
      const result = await deadLetters.redrive(messageIds ? { messageIds } : {})
      return reply.code(result.status === 'RUNNING' ? 202 : 200).send(toRedriveOutcome(result))
    },
  )

  app.get(
    '/redrive',
    {
      schema: {
        tags,
        security: OPERATOR_SECURITY,
        summary: 'Progress of the latest redrive of all messages',
        response: { 200: RedriveProgress, ...problemResponses(401, 404) },
      },
    },
    async () => {
      const status = await deadLetters.redriveStatus()
      if (!status) throw notFound('No redrive of all messages has run', { code: 'no_redrive' })
      return toRedriveProgress(status)
    },
  )
}
