import { isCloudError } from '@ferry/cloud'
import { serviceUnavailable } from '@ferry/kit'

/**
 * Runs `work`; a transient cloud failure (throttling, network, 5xx) becomes a 503 with
 * Retry-After naming `what`, so clients retry instead of seeing a 500.
 */
export async function orUnavailable<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (isCloudError(error) && error.transient) {
      throw serviceUnavailable(`${what} is unavailable; retry shortly`, {
        retryAfterSeconds: 1,
        cause: error,
      })
    }
    throw error
  }
}
