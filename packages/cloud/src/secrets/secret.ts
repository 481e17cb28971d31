/**
 * One secret value (an SSM SecureString parameter, or a local file). `get()` serves a cached value
 * for `ttlSeconds`; when it is stale, exactly one refresh runs at a time and every concurrent
 * caller awaits that same refresh, so a flood of requests never multiplies upstream calls.
 * Throws only `CloudError` (NotFound when the parameter or file does not exist).
 */
export interface Secret {
  /** The parameter name or file path, for messages (never the value). */
  readonly name: string
  get(): Promise<string>
  /** Forgets the cached value; the next `get()` reads upstream. */
  invalidate(): void
  close(): Promise<void>
}

/** Reads the current value upstream, uncached. */
export type SecretReader = () => Promise<string>

export interface CacheOptions {
  ttlSeconds: number
  /** Clock in ms, for tests. */
  now?: () => number
}

/** Wraps a reader in the TTL cache with single-flight refresh that both drivers share. */
export function cacheSecret(
  name: string,
  read: SecretReader,
  options: CacheOptions,
  close: () => Promise<void> = async () => {},
): Secret {
  const now = options.now ?? Date.now
  const ttlMs = options.ttlSeconds * 1000
  let cached: { value: string; expiresAt: number } | undefined
  let inFlight: Promise<string> | undefined

  const refresh = (): Promise<string> => {
    inFlight ??= read()
      .then((value) => {
        cached = { value, expiresAt: now() + ttlMs }
        return value
      })
      .finally(() => {
        inFlight = undefined
      })
    return inFlight
  }

  return {
    name,
    async get() {
      if (cached && now() < cached.expiresAt) return cached.value
      return refresh()
    },
    invalidate() {
      cached = undefined
    },
    close,
  }
}
