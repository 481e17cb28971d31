import { isCloudError } from '@ferry/cloud'
import { badRequest, serviceUnavailable } from '@ferry/kit'

/**
 * Runs `work` against a cloud port and answers what a client can act on: a transient failure
 * (throttling, network, 5xx) becomes a 503 with Retry-After naming `what`, so clients retry; a
 * key the store cannot hold (a local bucket's path that is taken or too long) becomes a 400
 * saying why, instead of a 500.
 */
export async function cloudCall<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (isCloudError(error) && error.transient) {
      throw serviceUnavailable(`${what} is unavailable; retry shortly`, {
        retryAfterSeconds: 1,
        cause: error,
      })
    }
    if (isCloudError(error, 'InvalidArgument') && error.keyProblem !== undefined) {
      throw badRequest(`The bucket cannot hold this key: ${error.keyProblem}`, {
        code: 'key_not_storable',
        cause: error,
      })
    }
    throw error
  }
}
