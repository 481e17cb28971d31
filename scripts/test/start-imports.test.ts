// `npm start` runs scripts/start.ts in the bootstrap process, which stays at rest beside the
// services for as long as they run: what it imports (each service's src/local.ts included) is
// memory held all along. It needs none of Fastify, the AWS SDK or OpenTelemetry.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, it } from 'vitest'
import { ROOT } from './npm-start.ts'

it("loads no server, AWS or tracing library in npm start's own process", () => {
  const locals = readdirSync(join(ROOT, 'services')).map(
    (name) => pathToFileURL(join(ROOT, 'services', name, 'src', 'local.ts')).href,
  )
  // What scripts/start.ts imports, then every service's local.ts, recording each module resolved.
  const program = `
    import { registerHooks } from 'node:module'
    const seen = []
    registerHooks({ resolve(specifier, context, next) {
      const found = next(specifier, context)
      seen.push(found.url)
      return found
    } })
    for (const url of ['@ferry/db/embedded', '@ferry/kit/local', './start/local-paths.ts', ...${JSON.stringify(locals)}]) {
      await import(url)
    }
    console.log(JSON.stringify(seen))`
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
    cwd: join(ROOT, 'scripts'),
    encoding: 'utf8',
  })
  expect(run.stderr).toBe('')
  const loaded = JSON.parse(run.stdout) as string[]
  expect(loaded.some((url) => url.includes('/services/api/src/local.ts'))).toBe(true)
  const heavy = loaded.filter((url) =>
    /\/node_modules\/(fastify|@aws-sdk|@opentelemetry|pino)\//.test(url),
  )
  expect(heavy).toEqual([])
})
