#!/usr/bin/env node
// Bootstrap for the two quick-start commands (`npm start`, `npm test`). Plain JavaScript so that
// any Node.js ≥ 18 can run it: it fetches Node 24 and the pinned pnpm from the npm registry into
// ~/.cache/ferry/tools when the machine lacks them, installs dependencies, then hands over.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { homedir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const cache = process.env.FERRY_CACHE ?? join(homedir(), '.cache', 'ferry')
const tools = join(cache, 'tools')
const toolsBin = join(tools, 'node_modules', '.bin')
const pnpmVersion = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
).packageManager.split('@')[1]
const MIN_NODE = [22, 18]
/** Commands for operators, each a module in scripts/ops exporting `main(args): Promise<number>`. */
const OPS_COMMANDS = ['dlq', 'status']

function log(message) {
  process.stderr.write(`ferry: ${message}\n`)
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options })
  if (result.status !== 0) {
    log(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`)
    process.exit(result.status ?? 1)
  }
}

function output(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : undefined
}

function nodeIsNewEnough(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number)
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])
}

function npmInstallTool(spec) {
  mkdirSync(tools, { recursive: true })
  log(`installing ${spec} into ${tools}`)
  run('npm', ['install', '--prefix', tools, '--no-audit', '--no-fund', '--loglevel=error', spec], {
    shell: process.platform === 'win32',
  })
}

/** Re-runs this script under Node 24 when the current Node cannot strip TypeScript types. */
function ensureNode() {
  if (nodeIsNewEnough(process.versions.node)) return
  const node = join(toolsBin, 'node')
  if (!existsSync(node) || !nodeIsNewEnough(output(node, ['--version']) ?? '0.0')) {
    npmInstallTool('node@24')
  }
  log(`Node ${process.versions.node} is too old; re-running under ${output(node, ['--version'])}`)
  const child = spawnSync(node, process.argv.slice(1), { stdio: 'inherit' })
  process.exit(child.status ?? 1)
}

/** The pinned pnpm, from PATH when it is that version, else from the tools cache. */
function ensurePnpm() {
  if (output('pnpm', ['--version']) === pnpmVersion) return 'pnpm'
  const pnpm = join(toolsBin, 'pnpm')
  if (output(pnpm, ['--version']) !== pnpmVersion) npmInstallTool(`pnpm@${pnpmVersion}`)
  return pnpm
}

function freePort(preferred) {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => {
      const any = createServer().listen(0, '127.0.0.1', () => {
        const { port } = any.address()
        any.close(() => resolve(port))
      })
    })
    server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(preferred)))
  })
}

/**
 * moto_server for the AWS suites when no AWS_ENDPOINT_URL is given: from MOTO_SERVER, PATH, or a
 * venv in the cache (made with python3 on first use). Returns a stop function, or undefined when
 * there is no python3 (the AWS suites then skip; CI sets FERRY_REQUIRE_AWS=1 so they cannot).
 */
async function startMoto(env) {
  let moto = process.env.MOTO_SERVER ?? join(cache, 'moto-venv', 'bin', 'moto_server')
  if (!existsSync(moto)) {
    if (!output('python3', ['--version'])) {
      log('no python3: the AWS driver suites will be skipped (set AWS_ENDPOINT_URL to run them)')
      return undefined
    }
    const venv = join(cache, 'moto-venv')
    log(`installing moto[server] into ${venv}`)
    run('python3', ['-m', 'venv', venv])
    run(join(venv, 'bin', 'pip'), ['install', '--quiet', 'moto[server]'])
    moto = join(venv, 'bin', 'moto_server')
  }
  const port = await freePort(5055)
  const child = spawn(moto, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    await new Promise((r) => setTimeout(r, 100))
  }
  env.AWS_ENDPOINT_URL = url
  log(`moto_server on ${url}`)
  return () => child.kill('SIGTERM')
}

/**
 * One embedded PostgreSQL server for the whole test run, when no DATABASE_URL is given: a
 * throw-away data directory, deleted when the run ends. Test files each make their own schema.
 */
async function startPostgres(env) {
  const { startTestPostgres } = await import('../packages/db/src/testing.ts')
  const server = await startTestPostgres()
  await server.ensureDatabase('test')
  env.DATABASE_URL = server.url('test')
  log(`embedded PostgreSQL on 127.0.0.1:${server.port} for this run`)
  return () => server.stop()
}

/**
 * Runs every package's tests through turbo, relaying the output, and closes with one plain line
 * adding up vitest's per-package "Tests  N passed | M skipped (T)" summaries (cache replays too).
 */
function runTests(pnpm, env) {
  const totals = { passed: 0, failed: 0, skipped: 0 }
  const child = spawn(
    pnpm,
    ['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=2', ...process.argv.slice(3)],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let pending = ''
  const tally = (line) => {
    const plain = stripVTControlCharacters(line)
    const summary = /\bTests\s+(.*)\(\d+\)\s*$/.exec(plain)
    if (!summary) return
    for (const [, n, kind] of summary[1].matchAll(/(\d+) (passed|failed|skipped|todo)/g)) {
      if (kind in totals) totals[kind] += Number(n)
    }
  }
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk)
    const lines = (pending + chunk.toString('utf8')).split('\n')
    pending = lines.pop() ?? ''
    lines.forEach(tally)
  })
  return new Promise((done) => {
    child.on('close', (code) => {
      tally(pending)
      console.log(
        `\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`,
      )
      done(code ?? 1)
    })
  })
}

async function main() {
  ensureNode()
  const command = process.argv[2] ?? 'start'
  const pnpm = ensurePnpm()
  const env = { ...process.env, PATH: [toolsBin, process.env.PATH].join(delimiter) }
  run(pnpm, ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], {
    cwd: root,
    env,
  })

  if (command === 'test') {
    env.AWS_REGION ??= 'us-east-1'
    env.AWS_ACCESS_KEY_ID ??= 'testing'
    env.AWS_SECRET_ACCESS_KEY ??= 'testing'
    const stopMoto = env.AWS_ENDPOINT_URL ? undefined : await startMoto(env)
    const stopPostgres = env.DATABASE_URL ? undefined : await startPostgres(env)
    // The server runs in a process group of its own, out of reach of the terminal's Ctrl-C.
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.on(signal, async () => {
        stopMoto?.()
        await stopPostgres?.()
        process.exit(130)
      })
    }
    const status = await runTests(pnpm, env)
    stopMoto?.()
    await stopPostgres?.()
    process.exit(status)
  }
  if (command === 'start') {
    // In this process (Node >= 22.18 strips the types): one node process fewer at rest.
    process.env.PATH = env.PATH
    await import('./start.ts')
    return
  }
  if (OPS_COMMANDS.includes(command)) {
    // Operator commands (`pnpm ferry dlq …`, `pnpm ferry status`): scripts/ops/<command>.ts.
    process.env.PATH = env.PATH
    const { main: runCommand } = await import(`./ops/${command}.ts`)
    process.exit(await runCommand(process.argv.slice(3)))
  }
  log(`unknown command ${command}: use ${['start', 'test', ...OPS_COMMANDS].join(', ')}`)
  process.exit(2)
}

await main()
