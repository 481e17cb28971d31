import type { Topic } from '@ferry/cloud'
import {
  assertMaxDepth,
  conflict,
  MAX_JSON_DEPTH,
  notFound,
  problemResponses,
  type RoutePlugin,
  type ServiceApp,
  traceAttributes,
} from '@ferry/kit'
import { Type } from '@sinclair/typebox'
import { adminOnly } from '../auth.ts'
import { checkKey, type Documents } from '../documents.ts'

export interface AdminObjectRoutesOptions {
  documents: Documents
  /** Told about every upload and update. */
  topic: Topic
}

export interface AdminTopicRoutesOptions {
  topic: Topic
}

const KeyParams = Type.Object({ '*': Type.String({ description: 'The object key' }) })
const KeyContent = Type.Object({ key: Type.String(), content: Type.Unknown() })
const Message = Type.Object({ message: Type.String() })
const Upload = Type.Object(
  { key: Type.String({ description: 'The object key' }), content: Type.Unknown() },
  { additionalProperties: false },
)
const Update = Type.Object(
  { content: Type.Unknown({ description: 'A JSON Merge Patch (RFC 7396)' }) },
  { additionalProperties: false },
)
const Publish = Type.Object(
  {
    message: Type.String({ minLength: 1, maxLength: 262_144 }),
    subject: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\x20-\\x7e]+$' }),
    ),
  },
  { additionalProperties: false },
)
const Published = Type.Object({ message_id: Type.String() })
const tags = ['admin']

/**
 * Tells the topic about a change. The object is already durable, so a failed publish is logged
 * rather than turned into an error the client would retry into a 409.
 */
async function announce(topic: Topic, log: ServiceApp['log'], subject: string, key: string) {
  const verb = subject === 'S3 File Upload' ? 'uploaded' : 'updated'
  try {
    await topic.publish({
      subject,
      message: `S3 file ${verb}: ${key}`,
      attributes: traceAttributes(),
    })
  } catch (error) {
    log.error({ err: error, key }, 'could not publish the change to the topic')
  }
}

/** Raw documents-bucket access, for role admin only (prefix /s3). */
export const adminObjectRoutes: RoutePlugin<AdminObjectRoutesOptions> = async (app, options) => {
  const { documents, topic } = options
  app.addHook('onRequest', adminOnly)

  app.get(
    '/*',
    {
      schema: {
        tags,
        summary: 'Read any JSON document',
        params: KeyParams,
        response: { 200: KeyContent, ...problemResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const key = request.params['*']
      checkKey(key)
      const document = await documents.read(key)
      if (!document) throw notFound(`File not found: ${key}`)
      return { key, content: document.content }
    },
  )

  app.post(
    '/upload',
    {
      schema: {
        tags,
        summary: 'Create a JSON document; 409 if the key exists',
        body: Upload,
        response: { 201: Message, ...problemResponses(400, 401, 403, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const { key, content } = request.body
      checkKey(key)
      assertMaxDepth(content, MAX_JSON_DEPTH, '/content')
      if (!(await documents.create(key, content))) throw conflict(`File already exists: ${key}`)
      await announce(topic, request.log, 'S3 File Upload', key)
      return reply.code(201).send({ message: `Uploaded ${key}` })
    },
  )

  app.put(
    '/*',
    {
      schema: {
        tags,
        summary: 'Merge a JSON Merge Patch into a document',
        description: 'Nested objects merge, null deletes; concurrent merges all survive.',
        params: KeyParams,
        body: Update,
        response: { 200: KeyContent, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request) => {
      const key = request.params['*']
      checkKey(key)
      assertMaxDepth(request.body.content, MAX_JSON_DEPTH, '/content')
      const merged = await documents.merge(key, request.body.content)
      if (!merged) throw notFound(`File not found: ${key}`)
      await announce(topic, request.log, 'S3 File Update', key)
      return { key, content: merged.content }
    },
  )
}

/** Publishing to the topic, for role admin only (prefix /sns). */
export const adminTopicRoutes: RoutePlugin<AdminTopicRoutesOptions> = async (app, { topic }) => {
  app.addHook('onRequest', adminOnly)

  app.post(
    '/publish',
    {
      schema: {
        tags,
        summary: 'Publish a message to the topic',
        body: Publish,
        response: { 200: Published, ...problemResponses(401, 403, 422, 503) },
      },
    },
    async (request) => {
      const { message, subject } = request.body
      const published = await topic.publish({ message, subject, attributes: traceAttributes() })
      return { message_id: published.messageId }
    },
  )
}
