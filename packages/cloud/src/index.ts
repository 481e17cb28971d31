export { type AwsClientConfig, type AwsOptions, awsClientConfig } from './aws.ts'
export { AwsEnv, awsOptionsFrom } from './aws-env.ts'
export { CloudError, CloudErrorCode, fromSdkError, isCloudError } from './errors.ts'
export { isLocalUrl, parseLocalUrl } from './local-url.ts'
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
} from './objects.ts'
export { type LocalObjectsOptions, serveLocalPresigned } from './objects-local.ts'
export { type CloudOptions, openObjects, openQueue, openSecret, openTopic } from './open.ts'
export type {
  OutgoingMessage,
  Queue,
  QueueDepth,
  ReceivedMessage,
  ReceiveOptions,
  SendResult,
} from './queue.ts'
export { cacheSecret, type Secret, type SecretReader } from './secrets.ts'
export type { PublishInput, SnsNotification, Topic } from './topic.ts'
export { subscribeLocalQueue } from './topic-local.ts'
