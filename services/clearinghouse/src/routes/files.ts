import type { Sql } from '@ferry/db'
import { OPERATOR_SECURITY, problemResponses, type RoutePlugin } from '@ferry/kit'
import { getFile, listFiles, retryFile } from '../operator.ts'
import { FileEntry, FileList, FileListQuery, FileParams } from '../schemas.ts'

export interface FilesRoutesOptions {
  sql: Sql
  /** Called after a retry, so the file is picked up without waiting for the next poll. */
  onRetry: () => void
}

/** The operator's view of the files (prefix /files). */
export const filesRoutes: RoutePlugin<FilesRoutesOptions> = async (app, options) => {
  const { sql } = options

  app.get(
    '',
    {
      schema: {
        tags: ['files'],
        security: OPERATOR_SECURITY,
        summary: 'Files seen in the bucket, newest first',
        querystring: FileListQuery,
        response: { 200: FileList, ...problemResponses(401, 422) },
      },
    },
    (request) => listFiles(sql, request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        tags: ['files'],
        security: OPERATOR_SECURITY,
        summary: 'One file, with the number of records stored for it',
        params: FileParams,
        response: { 200: FileEntry, ...problemResponses(401, 404, 422) },
      },
    },
    (request) => getFile(sql, request.params.id),
  )

  app.post(
    '/:id/retry',
    {
      schema: {
        tags: ['files'],
        security: OPERATOR_SECURITY,
        summary: 'Make a FAILED file pending again, attempts starting over',
        params: FileParams,
        response: { 200: FileEntry, ...problemResponses(401, 404, 409, 422) },
      },
    },
    async (request) => {
      const file = await retryFile(sql, request.params.id)
      options.onRetry()
      return file
    },
  )
}
