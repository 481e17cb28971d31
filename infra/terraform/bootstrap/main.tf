# Applied once per AWS account, by a person with administrator credentials:
# - the Terraform state bucket (versioned, KMS-encrypted, private, TLS only); the environments
#   lock their state with S3 native locking (`use_lockfile`), so there is no DynamoDB table;
# - one ECR repository per service, shared by dev and prod (prod runs the image dev ran);
# - the GitHub OIDC provider with the CI and CD roles.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account     = data.aws_caller_identity.current.account_id
  state_name  = coalesce(var.state_bucket_name, "ferry-tfstate-${local.account}-${var.region}")
  root_arn    = "arn:${data.aws_partition.current.partition}:iam::${local.account}:root"
  service_ids = ["api", "ingest-api", "worker", "clearinghouse"]
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
      identifiers = [local.root_arn]
    }
  }
}

resource "aws_kms_key" "bootstrap" {
  description         = "ferry: Terraform state and container images"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "bootstrap" {
  name          = "alias/ferry-bootstrap"
  target_key_id = aws_kms_key.bootstrap.key_id
}

resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV_AWS_18: only the CI/operator roles touch the state; CloudTrail records who did, a log bucket for one bucket adds nothing
  # checkov:skip=CKV_AWS_144: single-region deployment; versioning keeps every state revision, replication would double the cost
  # checkov:skip=CKV2_AWS_62: nothing reacts to state writes; there is no consumer for bucket events
  bucket = local.state_name

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.bootstrap.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

data "aws_iam_policy_document" "state" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.state.arn,
      "${aws_s3_bucket.state.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket     = aws_s3_bucket.state.id
  policy     = data.aws_iam_policy_document.state.json
  depends_on = [aws_s3_bucket_public_access_block.state]
}

module "ecr" {
  source      = "../modules/ecr"
  services    = local.service_ids
  kms_key_arn = aws_kms_key.bootstrap.arn
}

module "github_oidc" {
  source          = "../modules/github-oidc"
  repository      = var.github_repository
  environments    = var.environments
  repository_arns = values(module.ecr.repository_arns)
}
