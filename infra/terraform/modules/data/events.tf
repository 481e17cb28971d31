# S3 event notifications: a bucket in var.object_events tells its queue (one of var.queues, so
# it has a dead-letter queue and alarms) about every new object whose key ends in the suffix.
# The clearinghouse reads them (S3_EVENTS_QUEUE_URL) to load a file as soon as it lands; its
# periodic listing stays the safety net, since events can arrive late or twice.

data "aws_iam_policy_document" "object_events" {
  for_each = var.object_events
  statement {
    sid       = "BucketSendsObjectEvents"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this[each.value.queue].arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.this[each.key].arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_sqs_queue_policy" "object_events" {
  for_each  = var.object_events
  queue_url = aws_sqs_queue.this[each.value.queue].id
  policy    = data.aws_iam_policy_document.object_events[each.key].json
}

resource "aws_s3_bucket_notification" "this" {
  for_each = var.object_events
  bucket   = aws_s3_bucket.this[each.key].id

  queue {
    queue_arn     = aws_sqs_queue.this[each.value.queue].arn
    events        = ["s3:ObjectCreated:*"]
    filter_suffix = each.value.suffix
  }

  # S3 sends a test message when the notification is set, and refuses it if the queue does not
  # accept messages from the bucket yet.
  depends_on = [aws_sqs_queue_policy.object_events]
}
