import { CloudError } from '../../errors.ts'
import type { ListOptions, ListPage, ObjectInfo } from '../store.ts'
import { type WalkScope, walkKeys } from './walk.ts'

/** Maps `items` through `fn` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

interface Cursor {
  /** The last key or prefix returned. */
  a: string
  /** Set when `a` was a common prefix: the next page skips every key under it. */
  p?: 1
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url')

function decodeCursor(cursor: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Cursor
    if (typeof c.a === 'string') return c
  } catch {}
  throw new CloudError('InvalidArgument', 'list: the cursor is not one this store made')
}

/**
 * One page in S3's exact manner: keys in UTF-8 byte order, keys holding the delimiter after the
 * prefix folded into one common prefix each, keys and prefixes counted together against the
 * limit. As in ListObjectsV2, objects carry no content type or user metadata.
 */
export async function listPage(
  root: string,
  options: ListOptions,
  store: {
    isMarker: (key: string) => Promise<boolean>
    info: (key: string) => Promise<ObjectInfo | undefined>
  },
): Promise<ListPage> {
  const limit = Math.min(options.limit ?? 1000, 1000)
  if (!Number.isInteger(limit) || limit < 1)
    throw new CloudError('InvalidArgument', `list: limit ${limit}`)
  const prefix = options.prefix ?? ''
  const delimiter = options.delimiter ?? ''
  const from = options.cursor ? decodeCursor(options.cursor) : undefined
  const scope: WalkScope = { prefix, after: from?.a ?? '', skip: from?.p ? from.a : undefined }
  const found: string[] = []
  const prefixes: string[] = []
  let last: Cursor | undefined
  let more = false
  for await (const key of walkKeys(root, scope, store.isMarker)) {
    if (found.length + prefixes.length === limit) {
      more = true
      break
    }
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1
    if (at === -1) {
      found.push(key)
      last = { a: key }
    } else {
      const common = key.slice(0, at + delimiter.length)
      prefixes.push(common)
      scope.skip = common
      last = { a: common, p: 1 }
    }
  }
  const infos = await mapLimit(found, 32, store.info)
  return {
    objects: infos.flatMap((info) =>
      info
        ? [
            {
              key: info.key,
              size: info.size,
              etag: info.etag,
              lastModified: info.lastModified,
              metadata: {},
            },
          ]
        : [],
    ),
    prefixes,
    ...(more && last ? { nextCursor: encodeCursor(last) } : {}),
  }
}
