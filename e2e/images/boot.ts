import type { ChildProcess } from 'node:child_process'
import { appendFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ImageConfig, nodeUnder, removeContainer, runInContainer, uidOf } from './buildah.ts'

/** One service image running in a buildah container on a loopback port. */
export interface Booted {
  service: string
  url: string
  container: string
  child: ChildProcess
  /** From the start of the container's command to the first 200 from /ready. */
  readySeconds: number
  /** The uid its node process runs as (a host process: chroot isolation has no namespaces). */
  uid: number
  exited: Promise<number | null>
}

/** Notes a service's pid where .ci/images.sh finds it if this run is interrupted. */
async function noteRunning(pid: number): Promise<void> {
  await appendFile(join(process.env.FERRY_IMAGES_STORE ?? '.', 'running.pids'), `${pid}\n`)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs, in a working container of the image, the image's own command (ENTRYPOINT + CMD, as its user, in its WORKDIR) with `env` and
 * HOST/PORT set to a loopback port, and waits until /ready answers 200 (60 s at most).
 */
export async function boot(
  service: string,
  container: string,
  config: ImageConfig,
  env: Record<string, string>,
  port: number,
  logs: string,
): Promise<Booted> {
  const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])]
  const logFile = join(logs, `run-${service}.log`)
  const started = performance.now()
  const child = runInContainer(
    container,
    command,
    { ...env, HOST: '127.0.0.1', PORT: String(port) },
    logFile,
  )
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} at start`)
      const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      )
      if (ready) break
      if (performance.now() - started > 60_000) throw new Error('/ready not 200 within 60 s')
      await sleep(100)
    }
    const readySeconds = (performance.now() - started) / 1000
    const pid = await nodeUnder(child.pid ?? -1)
    if (pid === undefined) throw new Error('no node process under buildah run')
    await noteRunning(pid)
    return { service, url, container, child, readySeconds, uid: await uidOf(pid), exited }
  } catch (error) {
    // node first: killed first, buildah would leave its chroot helper and node running.
    const pid = await nodeUnder(child.pid ?? -1)
    if (pid !== undefined) process.kill(pid, 'SIGKILL')
    if (child.exitCode === null) {
      await Promise.race([exited, sleep(5000)])
      child.kill('SIGKILL')
    }
    await exited
    await removeContainer(container)
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5)
    throw new Error(`${service} did not boot: ${(error as Error).message}\n${tail.join('\n')}`)
  }
}

/**
 * SIGTERM to the container's node process (as ECS and compose's init would forward it); the
 * service must drain and exit 0 within 10 s. Returns `exit <code> in <seconds> s` or what went wrong,
 * and removes the container.
 */
export async function stop(booted: Booted): Promise<string> {
  try {
    const pid = await nodeUnder(booted.child.pid ?? -1)
    if (pid === undefined) return `gone before SIGTERM (exit ${booted.child.exitCode})`
    const sent = performance.now()
    process.kill(pid, 'SIGTERM')
    const code = await Promise.race([booted.exited, sleep(10_000).then(() => 'timeout' as const)])
    if (code === 'timeout') {
      process.kill(pid, 'SIGKILL')
      await booted.exited
      return 'no exit within 10 s'
    }
    const seconds = ((performance.now() - sent) / 1000).toFixed(1)
    return `exit ${code} in ${seconds} s`
  } finally {
    await removeContainer(booted.container)
  }
}
