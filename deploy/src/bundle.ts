// Compiles one service into what its image runs: `src/main.ts` and everything it imports as
// minified ES modules (one, plus a chunk per part the sources import only on demand), so the
// container starts plain JavaScript with no node_modules, no TypeScript loader and no source it
// never calls.
//
//   node deploy/src/bundle.ts <service> [out]    (out defaults to services/<service>)
//
// writes <out>/dist/main.js and its chunks; <out>/dist/swagger-ui/static/ (Swagger UI's files,
// which @fastify/swagger-ui reads from beside its code); <out>/migrations/ where the service has
// them (main.ts finds them at ../migrations from its own file, as it does from src/); and
// <out>/dist/bundle.json: the packages the bundle holds and, for each patch in patches/, the
// patched files it took in and whether each held the patch (the image checks read it; the image
// has no node_modules to look into). Development and tests keep running the .ts sources.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { build, type Plugin } from 'rolldown'

const ROOT = join(import.meta.dirname, '..', '..')
export const SERVICES = ['api', 'ingest-api', 'worker', 'clearinghouse'] as const

export interface Bundle {
  /** `<out>/dist/main.js`. */
  main: string
  bytes: number
  manifest: BundleManifest
}

/** `<out>/dist/bundle.json`. */
export interface BundleManifest {
  service: string
  /** `name@version` of every package with code in the bundle, sorted. */
  packages: string[]
  /**
   * Per patch in patches/ (`postgres@3.4.9`): each patched file the bundle took in, and whether
   * it held the patch.
   */
  patches: Record<string, { file: string; patched: boolean }[]>
}

/** The files each patch in patches/ changes, each with the first line the patch adds to it. */
export function patchMarkers(): { pkg: string; files: { file: string; marker: string }[] }[] {
  const dir = join(ROOT, 'patches')
  // An image's pruned tree has patches/ only where a patched package is in its closure.
  if (!existsSync(dir)) return []
  return readdirSync(dir).map((name) => {
    const text = readFileSync(join(dir, name), 'utf8')
    const files = text
      .split(/^diff --git /m)
      .slice(1)
      .map((part) => {
        const file = /^\+\+\+ b\/(.+)$/m.exec(part)?.[1] ?? ''
        const marker = part
          .split('\n')
          .find((l) => l.startsWith('+') && !l.startsWith('+++') && l.slice(1).trim() !== '')
        if (!file || !marker) throw new Error(`patches/${name} adds no line to ${file || 'a file'}`)
        return { file, marker: marker.slice(1).trim() }
      })
    return { pkg: name.replace(/\.patch$/, ''), files }
  })
}

/**
 * The node options the image's CMD gives before `dist/main.js` (deploy/Dockerfile's last CMD),
 * so that whatever runs a bundle outside an image (the bench, the tests) runs it the same way.
 */
export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8')
  const cmd = [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)].at(-1)?.[1]
  const argv = cmd ? (JSON.parse(cmd) as string[]) : []
  if (argv[0] !== 'node' || argv.at(-1) !== 'dist/main.js') {
    throw new Error(`deploy/Dockerfile's CMD is not ["node", …, "dist/main.js"]: ${cmd}`)
  }
  return argv.slice(1, -1)
}

/**
 * Packages only development needs: every devDependency in the workspace that no workspace
 * package needs at run time (the AWS SDK clients some services list as devDependencies come in
 * through @ferry/cloud, so they are allowed).
 */
export function devOnlyPackages(): string[] {
  const manifests = ['.', 'scripts', 'e2e', 'bench', 'deploy'].map((p) =>
    join(ROOT, p, 'package.json'),
  )
  for (const group of ['services', 'packages']) {
    for (const name of readdirSync(join(ROOT, group))) {
      manifests.push(join(ROOT, group, name, 'package.json'))
    }
  }
  const dev = new Set<string>()
  const prod = new Set<string>()
  for (const manifest of manifests.filter((m) => existsSync(m))) {
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'))
    for (const name of Object.keys(pkg.devDependencies ?? {})) dev.add(name)
    for (const name of Object.keys(pkg.dependencies ?? {})) prod.add(name)
  }
  return [...dev].filter((name) => !prod.has(name)).sort()
}

/**
 * What is wrong with a bundle, in words (empty when nothing is): it must hold postgres.js where
 * the service uses a database, every patched file it took in must hold its patch, and it must
 * hold none of the `devOnly` packages.
 */
export function bundleProblems(
  manifest: BundleManifest,
  usesDb: boolean,
  devOnly: string[],
): string[] {
  const problems: string[] = []
  if (usesDb && !manifest.packages.some((p) => p.startsWith('postgres@'))) {
    problems.push('the bundle holds no postgres.js')
  }
  for (const [patch, files] of Object.entries(manifest.patches)) {
    if (manifest.packages.includes(patch) && files.length === 0) {
      problems.push(`the bundle holds ${patch} but none of its patched files`)
    }
    for (const f of files) if (!f.patched) problems.push(`${patch}/${f.file} lacks the patch`)
  }
  const dev = devOnly.filter((name) => manifest.packages.some((p) => p.startsWith(`${name}@`)))
  if (dev.length) problems.push(`dev-only packages bundled: ${dev.join(', ')}`)
  return problems
}

/**
 * The package a bundled file belongs to (its nearest package.json with a name and a version), or
 * undefined for the workspace's own sources.
 */
function packageOf(file: string, cache: Map<string, { id: string; root: string } | null>) {
  if (!file.includes(`${sep}node_modules${sep}`)) return undefined
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const known = cache.get(dir)
    if (known !== undefined) return known ?? undefined
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'))
      if (name && version) {
        const found = { id: `${name}@${version}`, root: dir }
        cache.set(dir, found)
        return found
      }
    }
  }
  return undefined
}

function manifestOf(service: string, moduleIds: string[]): BundleManifest {
  const cache = new Map<string, { id: string; root: string } | null>()
  const packages = new Set<string>()
  const files = new Map<string, string[]>()
  for (const id of moduleIds) {
    const pkg = packageOf(id, cache)
    if (!pkg) continue
    packages.add(pkg.id)
    files.set(pkg.id, [...(files.get(pkg.id) ?? []), relative(pkg.root, id)])
  }
  const patches: BundleManifest['patches'] = {}
  for (const patch of patchMarkers()) {
    const bundled = files.get(patch.pkg) ?? []
    patches[patch.pkg] = patch.files
      .filter(({ file }) => bundled.includes(file))
      .map(({ file, marker }) => {
        const id = moduleIds.find((m) =>
          m.endsWith(`${sep}${patch.pkg.slice(0, patch.pkg.lastIndexOf('@'))}${sep}${file}`),
        )
        return { file, patched: id !== undefined && readFileSync(id, 'utf8').includes(marker) }
      })
  }
  return { service, packages: [...packages].sort(), patches }
}

/** Where Swagger UI's package lives beside the bundle: its files at <dist>/swagger-ui/static. */
const SWAGGER_UI = 'swagger-ui'

/**
 * @fastify/swagger-ui reads its page and serves its files from beside its own code
 * (`<package>/static`, named from index.js and from lib/routes.js): in the bundle each of its
 * modules names the matching directory under <dist>/swagger-ui instead.
 */
function swaggerUiFiles(packageDir: string): Plugin {
  return {
    name: 'ferry:swagger-ui-files',
    transform(code, id) {
      if (!id.startsWith(`${packageDir}${sep}`) || !code.includes('__dirname')) return null
      const dir = join(SWAGGER_UI, relative(packageDir, dirname(id)))
        .split(sep)
        .join('/')
      return code.replaceAll(
        /\b__dirname\b/g,
        `(import.meta.dirname + ${JSON.stringify(`/${dir}`)})`,
      )
    },
  }
}

export async function bundle(
  service: string,
  out = join(ROOT, 'services', service),
): Promise<Bundle> {
  if (!(SERVICES as readonly string[]).includes(service)) {
    throw new Error(`no service '${service}': one of ${SERVICES.join(', ')}`)
  }
  const source = join(ROOT, 'services', service)
  const fromKit = createRequire(join(ROOT, 'packages', 'kit', 'package.json'))
  const swaggerUi = dirname(fromKit.resolve('@fastify/swagger-ui/package.json'))
  const dist = join(out, 'dist')
  rmSync(dist, { recursive: true, force: true })
  const result = await build({
    input: join(source, 'src', 'main.ts'),
    platform: 'node',
    cwd: source,
    // Type stripping needs no tsconfig (the sources use erasable syntax only), and an image's
    // pruned tree has no tsconfig.base.json for the packages' tsconfig.json to extend.
    tsconfig: false,
    // pino-pretty is loaded only for LOG_PRETTY in development; the image has no use for it.
    external: ['pino-pretty'],
    plugins: [swaggerUiFiles(swaggerUi)],
    transform: {
      // Any other CommonJS code that names its own directory gets the bundle's.
      define: { __dirname: 'import.meta.dirname', __filename: 'import.meta.filename' },
    },
    // What the sources import dynamically (the SDK's credential providers for other sources than
    // the task role's, …) stays in chunks of its own, loaded only if used.
    output: { dir: dist, format: 'esm', minify: true, sourcemap: false },
    logLevel: 'warn',
  })
  cpSync(join(swaggerUi, 'static'), join(dist, SWAGGER_UI, 'static'), { recursive: true })
  if (resolve(out) !== resolve(source) && existsSync(join(source, 'migrations'))) {
    rmSync(join(out, 'migrations'), { recursive: true, force: true })
    cpSync(join(source, 'migrations'), join(out, 'migrations'), { recursive: true })
  }
  const chunks = result.output.flatMap((o) => (o.type === 'chunk' ? [o] : []))
  const entry = chunks.find((c) => c.isEntry)
  if (!entry) throw new Error(`rolldown wrote no entry for ${service}`)
  const manifest = manifestOf(
    service,
    chunks.flatMap((c) => c.moduleIds),
  )
  writeFileSync(join(dist, 'bundle.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const bytes = chunks.reduce((sum, c) => sum + Buffer.byteLength(c.code), 0)
  return { main: join(dist, entry.fileName), bytes, manifest }
}

if (import.meta.main) {
  const [service, out] = process.argv.slice(2)
  if (!service) {
    console.error(`usage: node deploy/src/bundle.ts <${SERVICES.join('|')}> [out]`)
    process.exit(2)
  }
  const { main, bytes } = await bundle(service, out && resolve(out))
  console.log(`${service}: ${main} (${(bytes / 1e6).toFixed(2)} MB)`)
}
