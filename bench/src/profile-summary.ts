// Reads a V8 CPU profile (`node --cpu-prof`) and tells where the time went after a moment:
// self time by package (node_modules package, node's internals, or the repository's folder) and
// by function.
import { readFileSync } from 'node:fs'

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples: number[]
  timeDeltas: number[]
}

const PNPM_PACKAGE = /.*node_modules\/\.pnpm\/([^/]+)\/.*/

function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName || '(native)'
  if (url.includes('node_modules')) return url.replace(PNPM_PACKAGE, '$1')
  if (url.startsWith('node:')) return url.split('/')[0] ?? url
  const inRepo = url.replace(/^file:\/\//, '').split('/')
  const at = inRepo.findIndex((part) => part === 'services' || part === 'packages')
  return at === -1 ? url : inRepo.slice(at, at + 2).join('/')
}

function top(totals: Map<string, number>, all: number, n: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => `${((100 * us) / all).toFixed(1).padStart(5)}%  ${name}`)
}

/** The summary of `file`, counting only samples taken `skipSeconds` or more after it began. */
export function summarizeProfile(file: string, skipSeconds: number, rows = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let at = 0
  let all = 0
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    const frame = nodes.get(id)
    if (at < skipSeconds * 1e6 || !frame) return
    all += delta
    const pkg = packageOf(frame.url, frame.functionName)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + delta)
    const fn = `${frame.functionName || '(anonymous)'} ${pkg}:${frame.lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + delta)
  })
  return [
    `${(all / 1e6).toFixed(1)} s sampled`,
    '-- self time by package',
    ...top(byPackage, all, rows),
    '-- self time by function',
    ...top(byFunction, all, rows * 2),
  ].join('\n')
}
