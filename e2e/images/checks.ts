import { lstat, readdir, readFile, realpath } from 'node:fs/promises'
import { join } from 'node:path'
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
 * Packages only development needs: every devDependency in the workspace that no workspace
 * package needs at run time (the AWS SDK clients some services list as devDependencies come in
 * through @ferry/cloud, so they are allowed).
 */
export async function devOnlyPackages(): Promise<string[]> {
  const manifests = ['package.json', 'scripts', 'e2e', 'bench'].map((p) =>
    join(ROOT, p.endsWith('.json') ? p : `${p}/package.json`),
  )
  for (const group of ['services', 'packages']) {
    for (const name of await readdir(join(ROOT, group))) {
      manifests.push(join(ROOT, group, name, 'package.json'))
    }
  }
  const dev = new Set<string>()
  const prod = new Set<string>()
  for (const manifest of manifests) {
    const pkg = await readJson(manifest).catch(() => undefined)
    for (const name of Object.keys(pkg?.devDependencies ?? {})) dev.add(name)
    for (const name of Object.keys(pkg?.dependencies ?? {})) prod.add(name)
  }
  return [...dev].filter((name) => !prod.has(name)).sort()
}

/** The patched files of each patch in patches/ and a line the patch adds to them. */
async function patchMarkers(): Promise<{ pkg: string; files: string[]; marker: string }[]> {
  const dir = join(ROOT, 'patches')
  const out = []
  for (const name of await readdir(dir)) {
    const text = await readFile(join(dir, name), 'utf8')
    const files = [...text.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1] ?? '')
    const marker = text
      .split('\n')
      .find((l) => l.startsWith('+') && !l.startsWith('+++') && l.slice(1).trim() !== '')
    if (!marker) throw new Error(`patches/${name} adds no line`)
    out.push({ pkg: name.replace(/\.patch$/, ''), files, marker: marker.slice(1).trim() })
  }
  return out
}

/** pnpm's directory name for a package: `@scope/name@1.0.0` → `@scope+name@1.0.0`. */
const storeName = (spec: string) => spec.replace('/', '+')

async function checkPatches(rootfs: string, usesDb: boolean): Promise<string[]> {
  const store = join(rootfs, 'app/node_modules/.pnpm')
  const entries = await readdir(store)
  const problems: string[] = []
  for (const patch of await patchMarkers()) {
    const copies = entries.filter((e) => e.startsWith(`${storeName(patch.pkg)}`))
    const name = patch.pkg.slice(0, patch.pkg.lastIndexOf('@'))
    if (copies.length === 0) {
      if (name === 'postgres' && usesDb) problems.push(`${patch.pkg} is not installed`)
      continue
    }
    for (const copy of copies) {
      for (const file of patch.files) {
        const text = await readFile(join(store, copy, 'node_modules', name, file), 'utf8')
        if (!text.includes(patch.marker)) problems.push(`${copy}/${file} lacks the patch`)
      }
    }
    if (name === 'postgres' && usesDb) {
      const resolved = await realpath(join(rootfs, 'app/packages/db/node_modules/postgres'))
      const copy = resolved.slice(store.length + 1).split('/')[0] ?? ''
      if (!resolved.startsWith(store) || !copies.includes(copy)) {
        problems.push(`@ferry/db resolves postgres to ${resolved}, not a patched copy`)
      }
    }
  }
  return problems
}

async function checkDevPackages(rootfs: string): Promise<string[]> {
  const entries = await readdir(join(rootfs, 'app/node_modules/.pnpm'))
  const found = []
  for (const name of await devOnlyPackages()) {
    if (entries.some((e) => e.startsWith(`${storeName(name)}@`))) found.push(name)
  }
  return found.length ? [`dev-only packages installed: ${found.join(', ')}`] : []
}

/**
 * Checks one image against its contract (non-root user, health check, the patched postgres.js
 * where the service uses a database, no dev-only packages) and measures what it adds to the base
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
  const manifest = await readJson(join(rootfs, `app/services/${service}/package.json`))
  const usesDb = '@ferry/db' in (manifest.dependencies ?? {})
  problems.push(...(await checkPatches(rootfs, usesDb)))
  problems.push(...(await checkDevPackages(rootfs)))
  return { addedBytes: (await treeBytes(rootfs)) - baseBytes, problems, config }
}
