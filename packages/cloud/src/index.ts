export { type AwsClientConfig, type AwsOptions, awsClientConfig } from './aws.ts'
export { AwsEnv, awsOptionsFrom } from './aws-env.ts'
export {
  CloudDependency,
  CloudError,
  CloudErrorCode,
  type CloudErrorOptions,
  fromSdkError,
  isCloudError,
} from './errors.ts'
export { isLocalUrl, parseLocalUrl } from './local-url.ts'
export { type LocalObjectsOptions, serveLocalPresigned } from './objects/local/driver.ts'
export { parseRangeHeader, type RangeRequest } from './objects/range.ts'
export type {
  DeleteResult,
  GetOptions,
  GetResult,
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectStore,
  PresignPostResult,
  PutOptions,
  UploadOptions,
  UploadResult,
} from './objects/store.ts'
export {
  type CloudOptions,
  openDeadLetters,
  openObjects,
  openQueue,
  openSecret,
  openTopic,
} from './open.ts'
export { type Backoff, backoffMs, createBackoff } from './queue/backoff.ts'
export { consume } from './queue/consume.ts'
export type {
  ConsumeHooks,
  ConsumeLog,
  ConsumeOptions,
  HandlerContext,
  MessageHandler,
} from './queue/consume-options.ts'
export {
  type DeadLetter,
  type DeadLetterStats,
  type DeadLetters,
  PEEK_MAX,
  type RedriveResult,
  type RedriveStatus,
  type RedriveTaskStatus,
} from './queue/dead-letters.ts'
export type {
  OutgoingMessage,
  Queue,
  QueueDepth,
  ReceivedMessage,
  ReceiveOptions,
  SendResult,
} from './queue/queue.ts'
export { sqsQueueUrl } from './queue/sqs-names.ts'
export { cacheSecret, type Secret, type SecretReader } from './secrets/secret.ts'
export { subscribeLocalQueue } from './topic/local.ts'
export type { PublishInput, SnsNotification, Topic } from './topic/topic.ts'
