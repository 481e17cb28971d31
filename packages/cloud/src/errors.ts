/**
 * The one error type the cloud ports throw. Drivers translate SDK and filesystem errors into it at
 * the port boundary, so no AWS error class leaks into a service.
 */
export const CloudErrorCode = {
  NotFound: 'NotFound',
  PreconditionFailed: 'PreconditionFailed',
  InvalidArgument: 'InvalidArgument',
  /** A body over the size the caller allowed. */
  TooLarge: 'TooLarge',
  AccessDenied: 'AccessDenied',
  Throttled: 'Throttled',
  Unavailable: 'Unavailable',
  Unknown: 'Unknown',
} as const
export type CloudErrorCode = (typeof CloudErrorCode)[keyof typeof CloudErrorCode]

const TRANSIENT: ReadonlySet<CloudErrorCode> = new Set(['Throttled', 'Unavailable'])

/** What a transient CloudError names as unavailable; the kit shows it to clients in its 503. */
export const CloudDependency = {
  bucket: 'the bucket',
  queue: 'the queue',
  topic: 'the topic',
  secrets: 'the secret store',
} as const
export type CloudDependency = (typeof CloudDependency)[keyof typeof CloudDependency]

export interface CloudErrorOptions {
  cause?: unknown
  keyProblem?: string
  /** The port the error came from; set by drivers on every error that may be transient. */
  dependency?: CloudDependency
}

export class CloudError extends Error {
  readonly code: CloudErrorCode
  /** True when the same call may succeed later (throttling, 5xx, network). */
  readonly transient: boolean
  /**
   * Set (with code InvalidArgument) when the store cannot hold the key the call named, e.g. a
   * local bucket's key whose path is taken: why, in words a client may read.
   */
  readonly keyProblem: string | undefined
  /** The port that failed, e.g. "the queue": what the kit's 503 names when `transient`. */
  readonly dependency: CloudDependency | undefined

  constructor(code: CloudErrorCode, message: string, options?: CloudErrorOptions) {
    super(message, options)
    this.name = 'CloudError'
    this.code = code
    this.transient = TRANSIENT.has(code)
    this.keyProblem = options?.keyProblem
    this.dependency = options?.dependency
  }

  /**
   * The answer the kit gives a client for this error when the client is at fault: a key the
   * store cannot hold is a 400 saying why. Undefined otherwise.
   */
  get clientProblem(): { status: number; detail: string; code: string } | undefined {
    if (this.keyProblem === undefined) return undefined
    const detail = `The bucket cannot hold this key: ${this.keyProblem}`
    return { status: 400, detail, code: 'key_not_storable' }
  }
}

export function isCloudError(error: unknown, code?: CloudErrorCode): error is CloudError {
  return error instanceof CloudError && (code === undefined || error.code === code)
}

interface SdkErrorShape {
  name?: string
  Code?: string
  code?: string
  $metadata?: { httpStatusCode?: number }
  $retryable?: unknown
}

const NOT_FOUND = new Set([
  'NoSuchKey',
  'NotFound',
  'NoSuchBucket',
  'ParameterNotFound',
  'NotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
])
const PRECONDITION = new Set(['PreconditionFailed'])
/** S3 answers 409 ConditionalRequestConflict while another conditional write to the key is in progress: retry. */
const CONFLICT_IN_PROGRESS = 'ConditionalRequestConflict'
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestLimitExceeded',
])
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
])

/**
 * Maps an AWS SDK v3 (or Node network) error to a CloudError. `what` names the operation and its
 * target for the message, e.g. `GetObject payloads/a.json`; `dependency` the port it came from.
 */
export function fromSdkError(
  error: unknown,
  what: string,
  dependency?: CloudDependency,
): CloudError {
  if (error instanceof CloudError) return error
  const e = (error ?? {}) as SdkErrorShape
  const name = e.name ?? e.Code ?? e.code ?? 'Error'
  const status = e.$metadata?.httpStatusCode
  const detail = error instanceof Error ? error.message : String(error)
  const message = `${what}: ${name}${detail && detail !== name ? ` (${detail})` : ''}`
  let code: CloudErrorCode = 'Unknown'
  if (name === CONFLICT_IN_PROGRESS) code = 'Unavailable'
  else if (NOT_FOUND.has(name) || status === 404) code = 'NotFound'
  else if (PRECONDITION.has(name) || status === 412 || status === 409) code = 'PreconditionFailed'
  else if (THROTTLED.has(name) || status === 429 || status === 503) code = 'Throttled'
  else if (name === 'AccessDenied' || status === 403) code = 'AccessDenied'
  else if (
    NETWORK.has(name) ||
    NETWORK.has(e.code ?? '') ||
    (status !== undefined && status >= 500)
  )
    code = 'Unavailable'
  else if (status !== undefined && status >= 400) code = 'InvalidArgument'
  else if (status === undefined && e.$metadata === undefined && error instanceof Error)
    code = 'Unavailable'
  return new CloudError(code, message, { cause: error, dependency })
}
