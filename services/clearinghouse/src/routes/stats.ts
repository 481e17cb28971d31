import type { Sql } from '@ferry/db'
import { problemResponses, type ServiceApp } from '@ferry/kit'
import { fileStats } from '../operator.ts'
import { OPERATOR_SECURITY } from '../operator-auth.ts'
import { Stats } from '../schemas.ts'

export async function statsRoutes(app: ServiceApp, options: { sql: Sql }): Promise<void> {
  app.get(
    '/stats',
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
