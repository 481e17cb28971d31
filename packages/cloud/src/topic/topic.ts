export interface PublishInput {
  message: string
  subject?: string
  attributes?: Record<string, string>
}

/**
 * One topic (SNS, or a local directory whose subscriptions are local queues). Subscribers receive
 * the SNS→SQS delivery shape: a JSON body `{Type: "Notification", MessageId, TopicArn, Subject,
 * Message, Timestamp, MessageAttributes}`. Throws only `CloudError`.
 */
export interface Topic {
  /** The topic ARN (SNS) or `file://` URL (local). */
  readonly arn: string
  /** Publishes one message; resolves once the topic accepted it. */
  publish(input: PublishInput): Promise<{ messageId: string }>
  /** Cheap reachability check for readiness probes. */
  ping(): Promise<void>
  close(): Promise<void>
}

/** The body an SNS topic delivers to a subscribed SQS queue (raw delivery off). */
export interface SnsNotification {
  Type: 'Notification'
  MessageId: string
  TopicArn: string
  Subject?: string
  Message: string
  Timestamp: string
  MessageAttributes?: Record<string, { Type: string; Value: string }>
}
