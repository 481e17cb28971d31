import type { Sql } from '@ferry/db'
import { OPERATOR_SECURITY, problemResponses, type RoutePlugin } from '@ferry/kit'
import { fileStats } from '../operator.ts'
import { Stats } from '../schemas.ts'

/** Files per status and records loaded (prefix /stats). */
export const statsRoutes: RoutePlugin<{ sql: Sql }> = async (app, options) => {
  app.get(
    '',
    {
      schema: {
        tags: ['files'],
        security: OPERATOR_SECURITY,
        summary: 'Files per status and records loaded',
        response: { 200: Stats, ...problemResponses(401) },
      },
    },
    () => fileStats(options.sql),
  )
}
