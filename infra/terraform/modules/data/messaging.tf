# The ingest queue (ingest-api → worker) and the api's events queue, each with a dead-letter
# queue after 5 receives; the SNS topic delivers to the events queue (SNS envelope, not raw:
# the api's consumer reads the envelope).

resource "aws_sqs_queue" "dlq" {
  for_each                  = var.queues
  name                      = "${var.name}-${each.key}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "this" {
  for_each                   = var.queues
  name                       = "${var.name}-${each.key}"
  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  message_retention_seconds  = each.value.retention_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each  = var.emulated ? {} : var.queues
  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

resource "aws_sns_topic" "events" {
  name              = "${var.name}-events"
  kms_master_key_id = aws_kms_key.this.arn
}

resource "aws_sns_topic_subscription" "events" {
  topic_arn            = aws_sns_topic.events.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.this[var.topic_queue].arn
  raw_message_delivery = false
}

data "aws_iam_policy_document" "topic_queue" {
  statement {
    sid       = "TopicDelivers"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this[var.topic_queue].arn]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.events.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "topic_queue" {
  queue_url = aws_sqs_queue.this[var.topic_queue].id
  policy    = data.aws_iam_policy_document.topic_queue.json
}

# The ingest token and any other secret settings. Terraform creates each with a random
# placeholder (nobody knows it, so nothing is open before an operator sets the real value) and
# never touches the value again: `aws ssm put-parameter --overwrite` rotates it. The placeholder
# is ephemeral and written through the write-only `value_wo`, so it is never in the plan or the
# state, and no `random` provider is needed.
ephemeral "aws_secretsmanager_random_password" "parameter" {
  for_each            = var.secret_parameters
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "secret" {
  for_each    = var.secret_parameters
  name        = "/ferry/${var.env}/${each.key}"
  description = each.value
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn
  # Written once, when the parameter is created; bumping the version would overwrite the real
  # value with a new placeholder, so it stays 1.
  value_wo         = ephemeral.aws_secretsmanager_random_password.parameter[each.key].random_password
  value_wo_version = 1
}
