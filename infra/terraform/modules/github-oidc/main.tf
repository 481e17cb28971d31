# GitHub Actions signs in to AWS with OIDC: no stored keys. Two roles, each trusted only by this
# repository's workflows, and only from the `main` branch or a deployment environment:
#   ci: pushes images to the service repositories (jobs on main, no environment).
#   cd: deploys new task definitions to the ECS services of each environment, passing their
#       roles, and records the deployed tag (jobs running in the `dev` or `prod` environment).
# Every action names its resources, except the few AWS offers no resource-level permission for
# (listed in infra/tests/test_iam_policies.py with the reason).

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.region
  partition = data.aws_partition.current.partition
  issuer    = "token.actions.githubusercontent.com"
  subject   = "repo:${var.repository}"
  ci_subjects = [
    "${local.subject}:ref:refs/heads/main",
  ]
  cd_subjects = [for env in var.environments : "${local.subject}:environment:${env}"]
  clusters    = [for env in var.environments : "arn:${local.partition}:ecs:${local.region}:${local.account}:cluster/${var.prefix}-${env}"]
  services    = [for env in var.environments : "arn:${local.partition}:ecs:${local.region}:${local.account}:service/${var.prefix}-${env}/${var.prefix}-${env}-*"]
  task_roles  = [for env in var.environments : "arn:${local.partition}:iam::${local.account}:role/${var.prefix}-${env}-*-task"]
  exec_roles  = [for env in var.environments : "arn:${local.partition}:iam::${local.account}:role/${var.prefix}-${env}-*-exec"]
  tasks       = [for env in var.environments : "arn:${local.partition}:ecs:${local.region}:${local.account}:task/${var.prefix}-${env}/*"]
  deploy_parameters = [
    for env in var.environments : "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/${var.prefix}/${env}/deploy/*"
  ]
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

data "aws_iam_policy_document" "cd_trust" {
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
      values   = local.cd_subjects
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
  statement {
    sid = "ReadAndRegisterTaskDefinitions"
    actions = [
      "ecs:DescribeTaskDefinition",
      "ecs:RegisterTaskDefinition",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "DeployServices"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = local.services
  }
  statement {
    sid       = "ReadClusters"
    actions   = ["ecs:DescribeClusters"]
    resources = local.clusters
  }
  # The smoke test reads each task's container health (the readiness probes).
  statement {
    sid       = "ReadServiceTasks"
    actions   = ["ecs:DescribeTasks"]
    resources = local.tasks
  }
  statement {
    sid       = "ListServiceTasks"
    actions   = ["ecs:ListTasks"]
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = local.clusters
    }
  }
  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = concat(local.task_roles, local.exec_roles)
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
  statement {
    sid       = "ReadDeployedTagsAndUrls"
    actions   = ["ssm:GetParameter", "ssm:PutParameter"]
    resources = local.deploy_parameters
  }
  statement {
    sid       = "CheckImagesExist"
    actions   = ["ecr:DescribeImages"]
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
  name                 = "${var.prefix}-github-cd"
  description          = "GitHub Actions CD of ${var.repository}: deploys the ECS services"
  assume_role_policy   = data.aws_iam_policy_document.cd_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "cd" {
  name   = "deploy-services"
  role   = aws_iam_role.cd.id
  policy = data.aws_iam_policy_document.cd.json
}
