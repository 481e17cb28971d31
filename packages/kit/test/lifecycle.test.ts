import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { createService, type ServiceApp } from '../src/index.ts'
import { captureLogs } from '../src/testing.ts'

let app: ServiceApp
let logs = captureLogs()

function build(): ServiceApp {
  logs = captureLogs()
  app = createService({ name: 'life', version: '1', logger: { stream: logs.stream } })
  return app
}

afterEach(() => app?.close())

/** A loop that records its progress and drains slowly after the abort. */
function recordingLoop(events: string[], drainMs = 50) {
  return async (signal: AbortSignal) => {
    events.push('loop started')
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
    events.push('loop aborted')
    await sleep(drainMs)
    events.push('loop drained')
  }
}

describe('loops', () => {
  it('start only when the app is ready', async () => {
    const events: string[] = []
    build().addLoop('poll', recordingLoop(events))
    await sleep(20)
    expect(events).toEqual([])
    await app.ready()
    expect(events).toEqual(['loop started'])
  })

  it('are aborted on close and drained before close resolves', async () => {
    const events: string[] = []
    build().addLoop('poll', recordingLoop(events))
    await app.ready()
    await app.close()
    expect(events).toEqual(['loop started', 'loop aborted', 'loop drained'])
  })

  it('log a failure with the loop name', async () => {
    build().addLoop('poll', async () => {
      throw new Error('queue gone')
    })
    await app.ready()
    await sleep(10)
    expect(logs.lines().find((l) => l.msg === 'loop failed')).toMatchObject({
      level: 50,
      loop: 'poll',
      err: { message: 'queue gone' },
    })
  })

  it('cannot be added once the app is ready', async () => {
    await build().ready()
    expect(() => app.addLoop('late', async () => {})).toThrow(/already ready/)
  })
})

describe('closers', () => {
  it('run after loops drained and after plugin onClose hooks, last registered first', async () => {
    const events: string[] = []
    build()
    app.addCloser('database', async () => {
      events.push('database closed')
    })
    app.addLoop('poll', recordingLoop(events))
    await app.register(async (child) => {
      child.addCloser('queue client', async () => {
        events.push('queue client closed')
      })
      child.addHook('onClose', async () => {
        events.push('plugin onClose')
      })
    })
    await app.ready()
    await app.close()
    expect(events).toEqual([
      'loop started',
      'loop aborted',
      'plugin onClose',
      'loop drained',
      'queue client closed',
      'database closed',
    ])
  })

  it('keep running after one of them fails, and log the failure', async () => {
    const events: string[] = []
    build().addCloser('first', async () => {
      events.push('first closed')
    })
    app.addCloser('broken', async () => {
      throw new Error('socket hang up')
    })
    await app.ready()
    await app.close()
    expect(events).toEqual(['first closed'])
    expect(logs.lines().find((l) => l.msg === 'closer failed')).toMatchObject({ closer: 'broken' })
  })
})
