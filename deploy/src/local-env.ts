// The environment `npm start` gives a service (its src/local.ts): local drivers under `dataDir`,
// and a fresh schema on DATABASE_URL's server (added to `databases`, for the caller's cleanup)
// where the service has a database. For the tests and benchmarks that run a service as a process
// (the bundle test, bench), not for the images: @ferry/db and @ferry/kit are dev dependencies here.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createTestDatabase, type TestDatabase } from '@ferry/db/testing'
import type { LocalContext, LocalService } from '@ferry/kit/local'

const ROOT = join(import.meta.dirname, '..', '..')

export async function localEnv(
  service: string,
  dataDir: string,
  databases: TestDatabase[],
  port?: number,
): Promise<Record<string, string>> {
  const { LOCAL_PATHS } = (await import(
    pathToFileURL(join(ROOT, 'scripts', 'start', 'local-paths.ts')).href
  )) as { LOCAL_PATHS: LocalContext['paths'] }
  const local = (await import(
    pathToFileURL(join(ROOT, 'services', service, 'src', 'local.ts')).href
  )) as { port: number; localEnv(context: LocalContext): Promise<LocalService> }
  const { env } = await local.localEnv({
    dataDir,
    port: port ?? local.port,
    paths: LOCAL_PATHS,
    local: (path) => `file://${join(dataDir, path)}`,
    async database() {
      const db = await createTestDatabase()
      databases.push(db)
      return db.url
    },
  })
  return env
}
