import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'

/** One payload to send, with the idempotency key that every retry of it reuses. */
export interface Item {
  index: number
  data: unknown
  key: string
}

function keyOf(source: string, index: number, data: unknown): string {
  const hash = createHash('sha256').update(`${source}\0${index}\0${JSON.stringify(data)}`)
  return `bulk-${hash.digest('hex').slice(0, 40)}`
}

/** Synthetic emails with a fresh run id, so two runs never share keys. */
export async function* generated(count: number): AsyncGenerator<Item> {
  const run = randomUUID()
  const now = Math.floor(Date.now() / 1000)
  for (let index = 0; index < count; index++) {
    const data = {
      email_subject: `Synthetic email ${index}`,
      email_sender: `sender${index % 100}@example.com`,
      email_content: `Body of synthetic email ${index} from run ${run}.`,
      email_timestream: now - (index % 86_400),
    }
    yield { index, data, key: keyOf(run, index, data) }
  }
}

/**
 * The records of a file: `.jsonl`/`.ndjson` (or content not starting with `[`) is read line by line
 * as a stream, any size; otherwise a JSON array. Keys derive from the file name, position and
 * content, so re-sending the same file maps to the same message ids.
 */
export async function* fromFile(path: string): AsyncGenerator<Item> {
  const name = basename(path)
  const head = await readHead(path)
  if (!/\.(jsonl|ndjson)$/i.test(path) && head.trimStart().startsWith('[')) {
    const records = JSON.parse(await readFile(path, 'utf8')) as unknown[]
    if (!Array.isArray(records)) throw new Error(`${path}: expected a JSON array`)
    for (const [index, data] of records.entries())
      yield { index, data, key: keyOf(name, index, data) }
    return
  }
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  })
  let index = 0
  for await (const line of lines) {
    if (line.trim() === '') continue
    let data: unknown
    try {
      data = JSON.parse(line)
    } catch (error) {
      throw new Error(`${path}: line ${index + 1} is not JSON (${(error as Error).message})`)
    }
    yield { index, data, key: keyOf(name, index, data) }
    index++
  }
}

async function readHead(path: string): Promise<string> {
  const stream = createReadStream(path, { start: 0, end: 63, encoding: 'utf8' })
  let head = ''
  for await (const chunk of stream) head += chunk
  return head
}
