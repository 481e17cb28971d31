import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../src/index.ts'

/** Runs the bulk-ingest CLI as a user would; resolves with its exit code and output. */
export function bulkIngest(args: string[], token: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'bulk-ingest.ts'), ...args], {
      env: { ...process.env, INGEST_TOKEN: token },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
