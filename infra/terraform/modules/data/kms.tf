# One customer-managed key per environment encrypts its buckets, topics, parameters, secrets and
# log groups, so each task role's kms permissions name exactly this key.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition
}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109: a key policy: Resource "*" is this key, and the root statement hands its administration to IAM (AWS default)
  # checkov:skip=CKV_AWS_111: a key policy: Resource "*" is this key; writes are limited to the account and the named services
  # checkov:skip=CKV_AWS_356: a key policy: Resource "*" is this key, nothing else can be named here
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsThisEnvironmentsLogGroups"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:DescribeKey",
    ]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      # The services' groups, and the WAF's (modules/alb), whose name must start aws-waf-logs-.
      values = [
        "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/ferry/${var.name}/*",
        "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:aws-waf-logs-${var.name}",
      ]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToTheEncryptedAlarmTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_kms_key" "this" {
  description         = "${var.name}: data, secrets and logs"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
