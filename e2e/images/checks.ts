import { lstat, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type BundleManifest, bundleProblems, devOnlyPackages } from '@ferry/deploy/bundle'
import { ROOT } from '../src/index.ts'
import { buildah, type ImageConfig, imageConfig } from './buildah.ts'

/** What the checks of one image found. */
export interface ImageReport {
  /** Bytes of the files its layers add to the base's. */
  addedBytes: number
  /** Every check that failed, in words; empty when the image passed. */
  problems: string[]
  config: ImageConfig
}

/**
 * Bytes of the regular files under `dir` (symlinks not followed), as
 * `find <dir> -type f -printf '%s\\n'` adds them up for the base in .ci/images.sh.
 */
async function treeBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await lstat(join(entry.parentPath, entry.name))).size
  }
  return total
}

async function readJson(path: string): Promise<Record<string, Record<string, string>>> {
  return JSON.parse(await readFile(path, 'utf8'))
}

/**
 * The image carries the bundle alone: no node_modules, and a dist/bundle.json (what
 * deploy/src/bundle.ts recorded) without problems.
 */
async function checkBundle(rootfs: string, usesDb: boolean): Promise<string[]> {
  const problems: string[] = []
  if (
    await lstat(join(rootfs, 'app/node_modules')).then(
      () => true,
      () => false,
    )
  ) {
    problems.push('/app/node_modules exists: the image should carry the bundle alone')
  }
  const manifest = (await readJson(join(rootfs, 'app/dist/bundle.json')).catch(
    () => undefined,
  )) as unknown as BundleManifest | undefined
  if (!manifest) return [...problems, 'no /app/dist/bundle.json: not built by deploy/src/bundle.ts']
  return [...problems, ...bundleProblems(manifest, usesDb, devOnlyPackages())]
}

/**
 * Checks one image against its contract (non-root user, health check, the bundle alone with the
 * patched postgres.js where the service uses a database and no dev-only packages) and measures what it adds to the base
 * (`baseBytes`, measured the same way). The file checks read the file system of `container`, a
 * working container of the image, from the host (`buildah mount`).
 */
export async function checkImage(
  service: string,
  image: string,
  container: string,
  baseBytes: number,
): Promise<ImageReport> {
  const problems: string[] = []
  const config = await imageConfig(image)
  const [uid] = (config.User ?? '').split(':')
  if (uid === undefined || uid === '' || uid === '0' || uid === 'root') {
    problems.push(`runs as ${JSON.stringify(config.User ?? 'root')}`)
  }
  if (!config.Healthcheck?.Test?.join(' ').includes('/health')) problems.push('no HEALTHCHECK')
  const rootfs = await buildah('mount', container)
  const manifest = await readJson(join(ROOT, 'services', service, 'package.json'))
  const usesDb = '@ferry/db' in (manifest.dependencies ?? {})
  problems.push(...(await checkBundle(rootfs, usesDb)))
  return { addedBytes: (await treeBytes(rootfs)) - baseBytes, problems, config }
}
