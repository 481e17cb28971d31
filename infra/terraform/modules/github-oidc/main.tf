# GitHub Actions signs in to AWS with OIDC: no stored keys. The roles are trusted only by this
# repository's workflows, and only from the `main` branch or one deployment environment:
#   ci: pushes images to the service repositories (jobs on main, no environment).
#   cd-<env>, one per environment: deploys new task definitions of that environment's families
#       to that environment's ECS services, passing only that environment's roles, records the
#       deployed tag (jobs running in the GitHub environment <env> only).
# Every action names its resources, except the few AWS offers no resource-level permission for
# (listed in infra/tests/test_iam_policies.py with the reason).

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition
  issuer    = "token.actions.githubusercontent.com"
  subject   = "repo:${var.repository}"
  ci_subjects = [
    "${local.subject}:ref:refs/heads/main",
  ]
  ecs = "arn:${local.partition}:ecs:${local.region}:${local.account}"
  iam = "arn:${local.partition}:iam::${local.account}"
  # Everything one environment's CD role may touch: only that environment's names.
  cd = {
    for env in var.environments : env => {
      subject          = "${local.subject}:environment:${env}"
      cluster          = "${local.ecs}:cluster/${var.prefix}-${env}"
      services         = "${local.ecs}:service/${var.prefix}-${env}/${var.prefix}-${env}-*"
      tasks            = "${local.ecs}:task/${var.prefix}-${env}/*"
      task_definitions = "${local.ecs}:task-definition/${var.prefix}-${env}-*:*"
      task_roles       = "${local.iam}:role/${var.prefix}-${env}-*-task"
      exec_roles       = "${local.iam}:role/${var.prefix}-${env}-*-exec"
      parameters       = "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/${var.prefix}/${env}/deploy/*"
    }
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "ci_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = local.ci_subjects
    }
  }
}

# Each environment's CD role trusts only jobs running in that GitHub environment: a job in the
# unprotected `dev` environment cannot assume the role that deploys prod.
data "aws_iam_policy_document" "cd_trust" {
  for_each = local.cd
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = [each.value.subject]
    }
  }
}

data "aws_iam_policy_document" "ci" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "PushServiceImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = var.repository_arns
  }
}

data "aws_iam_policy_document" "cd" {
  for_each = local.cd
  statement {
    sid = "ReadAndRegisterTaskDefinitions"
    actions = [
      "ecs:DescribeTaskDefinition",
      "ecs:RegisterTaskDefinition",
    ]
    resources = ["*"]
  }
  statement {
    # Only this environment's services, and only to a revision of this environment's families.
    sid       = "DeployServices"
    actions   = ["ecs:UpdateService"]
    resources = [each.value.services]
    condition {
      test     = "ArnLike"
      variable = "ecs:task-definition"
      values   = [each.value.task_definitions]
    }
  }
  statement {
    sid       = "ReadServices"
    actions   = ["ecs:DescribeServices"]
    resources = [each.value.services]
  }
  statement {
    sid       = "ReadClusters"
    actions   = ["ecs:DescribeClusters"]
    resources = [each.value.cluster]
  }
  # The smoke test reads each task's container health (the readiness probes).
  statement {
    sid       = "ReadServiceTasks"
    actions   = ["ecs:DescribeTasks"]
    resources = [each.value.tasks]
  }
  statement {
    sid       = "ListServiceTasks"
    actions   = ["ecs:ListTasks"]
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [each.value.cluster]
    }
  }
  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [each.value.task_roles, each.value.exec_roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
  statement {
    sid       = "ReadDeployedTagsAndUrls"
    actions   = ["ssm:GetParameter", "ssm:PutParameter"]
    resources = [each.value.parameters]
  }
  statement {
    sid       = "CheckImagesExist"
    actions   = ["ecr:DescribeImages"]
    resources = var.repository_arns
  }
  statement {
    # CD adds the tag deployed-<env>-<tag> to an image it deployed, which the repositories'
    # lifecycle policy never expires (modules/ecr). PutImage of an existing manifest only adds a
    # tag: CD cannot upload layers.
    sid       = "TagDeployedImages"
    actions   = ["ecr:BatchGetImage", "ecr:PutImage"]
    resources = var.repository_arns
  }
}

resource "aws_iam_role" "ci" {
  name                 = "${var.prefix}-github-ci"
  description          = "GitHub Actions CI of ${var.repository}: pushes service images"
  assume_role_policy   = data.aws_iam_policy_document.ci_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "ci" {
  name   = "push-images"
  role   = aws_iam_role.ci.id
  policy = data.aws_iam_policy_document.ci.json
}

resource "aws_iam_role" "cd" {
  for_each             = local.cd
  name                 = "${var.prefix}-github-cd-${each.key}"
  description          = "GitHub Actions CD of ${var.repository}: deploys the ECS services of ${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.cd_trust[each.key].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "cd" {
  for_each = local.cd
  name     = "deploy-services"
  role     = aws_iam_role.cd[each.key].id
  policy   = data.aws_iam_policy_document.cd[each.key].json
}
