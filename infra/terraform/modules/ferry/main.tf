# The whole of ferry in one environment: network, data, one database per service that owns
# data, the load balancer (optionally behind a WAF), the ECS cluster with the four services, the
# alarms and the dashboard. envs/dev and envs/prod call this module with their own sizes, so the
# two can only differ where a variable says so. Each service's environment lists exactly the
# names its src/config.ts reads (infra/tests/test_service_env.py compares them).

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  name      = "ferry-${var.env}"
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition
  services  = ["api", "ingest-api", "worker", "clearinghouse"]
  # Where the collector sidecars (var.otel_collector) put the services' Prometheus metrics.
  metrics_namespace = "ferry"
  image_tags = {
    for s in local.services : s => lookup(var.image_tags, s, aws_ssm_parameter.image_tag[s].insecure_value)
  }
  images = {
    for s in local.services : s => "${data.aws_ecr_repository.service[s].repository_url}:${local.image_tags[s]}"
  }
}

data "aws_ecr_repository" "service" {
  for_each = toset(local.services)
  name     = "ferry/${each.key}"
}

module "data" {
  source        = "../data"
  name          = local.name
  env           = var.env
  force_destroy = var.disposable
  emulated      = var.emulated
  cors_origins  = var.browser_origins
}

module "network" {
  source              = "../network"
  name                = local.name
  cidr_block          = var.vpc_cidr_block
  nat_gateways        = var.nat_gateways
  interface_endpoints = var.interface_endpoints
  kms_key_arn         = module.data.kms_key_arn
  log_retention_days  = var.log_retention_days
}

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

# The image each service runs. CD writes the tag here after a deployment turned stable, so a
# later `terraform apply` (say, to change a setting) keeps the running image instead of going
# back to an old one. Terraform only creates the parameters.
resource "aws_ssm_parameter" "image_tag" {
  # checkov:skip=CKV2_AWS_34: an image tag is not a secret; as a SecureString it would mark the task definition sensitive
  for_each       = toset(local.services)
  name           = "/ferry/${var.env}/deploy/image-tag/${each.key}"
  description    = "Image tag of ${each.key} in ${var.env}, written by CD"
  type           = "String"
  insecure_value = var.initial_image_tag

  lifecycle {
    ignore_changes = [insecure_value]
  }
}

resource "aws_ssm_parameter" "base_url" {
  # checkov:skip=CKV2_AWS_34: the public URL of the load balancer is not a secret
  name           = "/ferry/${var.env}/deploy/base-url"
  description    = "Where CD's smoke test reaches ${var.env}"
  type           = "String"
  insecure_value = module.alb.base_url
}

module "alb" {
  source              = "../alb"
  name                = local.name
  vpc_id              = module.network.vpc_id
  vpc_cidr_block      = module.network.cidr_block
  public_subnet_ids   = module.network.public_subnet_ids
  access_log_bucket   = module.data.log_bucket
  domain_name         = var.domain_name
  alternative_names   = distinct(flatten(values(var.hosts)))
  zone_id             = var.zone_id
  deletion_protection = !var.disposable
  kms_key_arn         = module.data.kms_key_arn
  waf_enabled         = var.waf_enabled
  waf_rate_limit      = var.waf_rate_limit
  default_service     = "api"
  services = {
    "ingest-api" = {
      paths = ["/ingest*", "/healthz"]
      hosts = lookup(var.hosts, "ingest-api", [])
    }
    api = {
      paths = ["/files*", "/users*", "/s3*", "/sns*"]
      hosts = lookup(var.hosts, "api", [])
    }
  }
}

module "alarms" {
  source             = "../alarms"
  name               = local.name
  kms_key_arn        = module.data.kms_key_arn
  emails             = var.alarm_emails
  dead_letter_queues = values(module.data.dlq_names)
  queues             = values(module.data.queue_names)
  alb_arn_suffix     = module.alb.arn_suffix
  target_groups      = module.alb.target_group_arn_suffixes
  cluster_name       = aws_ecs_cluster.this.name
  services = {
    api           = module.api.service_name
    ingest-api    = module.ingest_api.service_name
    worker        = module.worker.service_name
    clearinghouse = module.clearinghouse.service_name
  }
  databases = [module.api_db.identifier, module.clearinghouse_db.identifier]
}

module "dashboard" {
  source                = "../dashboard"
  name                  = local.name
  alb_arn_suffix        = module.alb.arn_suffix
  target_groups         = module.alb.target_group_arn_suffixes
  queues                = module.data.queue_names
  dead_letter_queues    = module.data.dlq_names
  clearinghouse_service = module.clearinghouse.service_name
  metrics_namespace     = local.metrics_namespace
  web_acl_name          = module.alb.web_acl_name
}
