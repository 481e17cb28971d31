import { type ObjectStore, serveLocalPresigned } from '@ferry/cloud'
import type { RoutePlugin } from '@ferry/kit'

export interface LocalPresignedOptions {
  store: ObjectStore
  /** The secret the store signs its presigned URLs with. */
  secret: string
}

/**
 * Answers the presigned URLs of a local (`file://`) files bucket, which point at the api itself:
 * `GET|POST /_local/objects/{key}?X-Ferry-…` (prefix /_local/objects). The signature is the
 * authorization, so register this outside the scope that asks for a token. The body is left
 * unread for the handler, which streams a POSTed form itself.
 */
export const localPresignedRoutes: RoutePlugin<LocalPresignedOptions> = async (app, options) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))
  app.route({
    method: ['GET', 'POST'],
    url: '/*',
    schema: { hide: true },
    handler: async (request, reply) => {
      reply.hijack()
      const handled = await serveLocalPresigned(
        options.store,
        options.secret,
        request.raw,
        reply.raw,
      )
      if (!handled) reply.raw.writeHead(404).end()
    },
  })
}
