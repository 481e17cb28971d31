// What the bench reads of a process it did not instrument (a service's real main.ts, psql), from
// /proc: CPU time, resident set now, and the peak resident set.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let ticksPerSecond: number | undefined
function clockTicks(): number {
  ticksPerSecond ??=
    Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  return ticksPerSecond
}

/**
 * CPU seconds the whole machine has been busy so far, all cores together (/proc/stat: user, nice,
 * system, irq, softirq and steal; idle and iowait left out).
 */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
  return (
    [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0) /
    clockTicks()
  )
}

/** User + system CPU seconds `pid` has used so far (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / clockTicks()
  } catch {
    return 0
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]
    return kb === undefined ? undefined : Number(kb)
  } catch {
    return undefined
  }
}

/** Resident set of `pid` now, in MiB; undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  const kb = statusKb(pid, 'VmRSS')
  return kb === undefined ? undefined : kb / 1024
}

/** Peak resident set (VmHWM) of `pid` so far, in MiB; undefined once it is gone. */
export function highWaterMb(pid: number): number | undefined {
  const kb = statusKb(pid, 'VmHWM')
  return kb === undefined ? undefined : kb / 1024
}

/**
 * Samples the peak RSS of `pid` every 50 ms while it runs; `stop()` returns the highest seen.
 * VmHWM never decreases, so only the last moments of the process can be missed.
 */
export function watchPeakRss(pid: number): { stop(): number | null } {
  let peak: number | null = null
  const sample = () => {
    const now = highWaterMb(pid)
    if (now !== undefined) peak = Math.max(peak ?? 0, now)
  }
  sample()
  const timer = setInterval(sample, 50)
  return {
    stop() {
      clearInterval(timer)
      return peak
    },
  }
}
