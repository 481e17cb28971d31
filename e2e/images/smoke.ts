/**
 * Checks, boots and smoke-tests the service images .ci/images.sh built (run by it; see there):
 *   node e2e/images/smoke.ts --base-bytes <n> --database <postgres url> [--build-seconds a=1,b=2]
 *     api=<image> ingest-api=<image> worker=<image> clearinghouse=<image>
 * Each image is checked, then all four boot at once (`buildah run`, host network, a loopback port
 * each) against moto (AWS_ENDPOINT_URL) and fresh databases on the PostgreSQL server; the smoke
 * flows run through them; each node process gets SIGTERM and must exit 0 within 10 s. Prints
 * one table and exits 1 if anything failed.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { awsTestOptions } from '@ferry/cloud/testing'
import { freePort } from '@ferry/db/testing'
import { type Booted, boot, stop } from './boot.ts'
import { fromImage, removeContainer } from './buildah.ts'
import { checkImage, type ImageReport } from './checks.ts'
import { apiFlow, type Backends, clearinghouseFlow, createBackends, ingestFlow } from './flows.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'base-bytes': { type: 'string' },
    database: { type: 'string' },
    'build-seconds': { type: 'string', default: '' },
  },
})
const images = new Map(positionals.map((p) => p.split('=', 2) as [string, string]))
const buildSeconds = new Map(
  (values['build-seconds'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((p) => p.split('=', 2) as [string, string]),
)
const baseBytes = Number(values['base-bytes'])
if (!Number.isFinite(baseBytes) || !values.database || images.size === 0) {
  throw new Error('usage: smoke.ts --base-bytes <n> --database <url> <service>=<image>…')
}
const logs = join(process.env.FERRY_IMAGES_STORE ?? '.', 'logs')
const aws = awsTestOptions()
if (!aws) throw new Error('AWS_ENDPOINT_URL is not set: start moto_server')

interface Row {
  service: string
  report?: ImageReport
  booted?: Booted
  smoke: string[]
  stop?: string
}
const rows = new Map<string, Row>([...images.keys()].map((s) => [s, { service: s, smoke: [] }]))
const row = (service: string) => rows.get(service) as Row

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''

// One working container per image, made one after another (vfs copies the whole image each time
// and holds the store's lock meanwhile): checked from the host, then booted.
const containers = new Map<string, string>()
try {
  for (const [service, image] of images) {
    const container = await fromImage(image, `ferry-ci-${service}`)
    containers.set(service, container)
    row(service).report = await checkImage(service, image, container, baseBytes)
  }
} catch (error) {
  for (const r of rows.values()) r.smoke.push(errorText(error))
}

let backends: Backends | undefined
try {
  backends = await createBackends(aws, values.database)
  const env = backends.env
  const started = await Promise.allSettled(
    [...containers].map(async ([service, container]) => {
      const config = row(service).report?.config ?? {}
      row(service).booted = await boot(
        service,
        container,
        config,
        env[service] ?? {},
        await freePort(),
        logs,
      )
    }),
  )
  started.forEach((r, i) => {
    if (r.status === 'rejected')
      row([...containers.keys()][i] ?? '').smoke.push(errorText(r.reason))
  })
  const url = (service: string) => row(service).booted?.url ?? ''
  const flows: [string[], () => Promise<void>][] = [
    [['ingest-api', 'worker'], () => ingestFlow(url('ingest-api'), aws, backends?.payloads ?? '')],
    [['clearinghouse'], () => clearinghouseFlow(url('clearinghouse'), aws, backends?.raw ?? '')],
    [['api'], () => apiFlow(url('api'))],
  ]
  await Promise.all(
    flows.map(async ([services, flow]) => {
      if (services.some((s) => !row(s).booted)) {
        for (const s of services) row(s).smoke.push('not run: an image did not boot')
        return
      }
      await flow().catch((e) => {
        for (const s of services) row(s).smoke.push(errorText(e))
      })
    }),
  )
} catch (error) {
  for (const r of rows.values()) r.smoke.push(errorText(error))
} finally {
  await Promise.all(
    [...rows.values()].map(async (r) => {
      if (r.booted) r.stop = await stop(r.booted)
    }),
  )
  await backends?.cleanup()
  for (const container of containers.values()) await removeContainer(container)
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`
const table = [
  ['image', 'build s', 'size added', 'checks', 'boot-to-ready s', 'smoke', 'SIGTERM'],
  ...[...rows.values()].map((r) => [
    r.service,
    buildSeconds.get(r.service) ?? '',
    r.report ? mb(r.report.addedBytes) : '',
    r.report ? (r.report.problems.length ? 'FAILED' : 'ok') : 'not run',
    r.booted ? r.booted.readySeconds.toFixed(1) : 'no',
    r.smoke.length ? 'FAILED' : 'ok',
    r.stop ?? 'not started',
  ]),
]
const widths = table[0]?.map((_, i) => Math.max(...table.map((line) => (line[i] ?? '').length)))
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => c.padEnd(widths?.[i] ?? 0)).join(' | ')} |`
console.log(line(table[0] ?? []))
console.log(line((widths ?? []).map((w) => '-'.repeat(w))))
for (const cells of table.slice(1)) console.log(line(cells))

let failed = false
for (const r of rows.values()) {
  const problems = [...(r.report?.problems ?? []), ...r.smoke]
  if (r.booted?.uid === 0) problems.push('its node process runs as uid 0')
  if (!r.stop?.startsWith('exit 0 ')) problems.push(`SIGTERM: ${r.stop ?? 'not started'}`)
  for (const p of problems) console.error(`${r.service}: ${p}`)
  if (problems.length) {
    failed = true
    console.error(`${r.service}: its output is in ${join(logs, `run-${r.service}.log`)}`)
  }
}
process.exitCode = failed ? 1 : 0
