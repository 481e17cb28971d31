import { CloudDependency, CloudError, type Queue } from '@ferry/cloud'
import type { Sql } from '@ferry/db'
import { badRequest, notFound, traceAttributes } from '@ferry/kit'
import { type Static, Type } from '@sinclair/typebox'
import { KIND_NAMES, KINDS, type Kind, UserId } from './users/kinds.ts'
import { findRecord, findRecords } from './users/records.ts'

const KindName = Type.Union(KIND_NAMES.map((k) => Type.Literal(k)))
export const DataType = Type.Union([KindName, Type.Literal('all')])
export type DataType = Static<typeof DataType>

const fifoToken = () =>
  Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'For a FIFO queue',
    }),
  )

export const ExportRequest = Type.Object(
  {
    user_id: UserId,
    data_type: DataType,
    message_group_id: fifoToken(),
    message_deduplication_id: fifoToken(),
  },
  { additionalProperties: false },
)
export type ExportRequest = Static<typeof ExportRequest>

export const ExportAccepted = Type.Object({
  message_id: Type.String(),
  user_id: UserId,
  data_type: DataType,
})

const RecordData = Type.Record(Type.String(), Type.Unknown())
const KindExport = Type.Object({ user_id: UserId, data_type: KindName, data: RecordData })
const AllExport = Type.Object({
  user_id: UserId,
  data_type: Type.Literal('all'),
  data: Type.Object({
    personal: Type.Union([RecordData, Type.Null()]),
    financial: Type.Union([RecordData, Type.Null()]),
    health: Type.Union([RecordData, Type.Null()]),
  }),
})

/**
 * The body of an export on the events queue: the record(s) as the API returns them (dates as ISO
 * strings, amounts as numbers); for `all`, each kind's record or null.
 */
export const ExportMessage = Type.Union([KindExport, AllExport])
export type ExportMessage = Static<typeof ExportMessage>

/** The export of `userId`'s data; 404 when there is nothing to export. */
export async function buildExport(
  sql: Sql,
  userId: string,
  dataType: DataType,
): Promise<ExportMessage> {
  if (dataType === 'all') {
    const records = await findRecords(sql, userId)
    if (Object.values(records).every((r) => r === null)) {
      throw notFound(`No records found for user ${userId}`)
    }
    return { user_id: userId, data_type: 'all', data: records }
  }
  const spec = KINDS[dataType as Kind]
  const record = await findRecord(sql, spec, userId)
  if (!record) throw notFound(`${spec.title} info not found for user ${userId}`)
  return { user_id: userId, data_type: dataType, data: record }
}

/**
 * Sends the export; resolves with the queue's message id once the queue accepted it. A transient
 * failure is a CloudError, which the kit answers 503.
 */
export async function sendExport(
  queue: Queue,
  message: ExportMessage,
  fifo: { groupId?: string; deduplicationId?: string } = {},
): Promise<string> {
  const entry = { id: '0', body: JSON.stringify(message), attributes: traceAttributes(), ...fifo }
  const result = await queue.send([entry])
  const failure = result.failed[0]
  if (failure?.transient) {
    throw new CloudError('Unavailable', `send to the events queue: ${failure.code}`, {
      dependency: CloudDependency.queue,
    })
  }
  const sent = result.successful[0]
  if (failure || !sent) {
    throw badRequest(`The events queue refused the message (${failure?.code ?? 'unknown'})`, {
      code: 'queue_refused',
    })
  }
  return sent.messageId
}
