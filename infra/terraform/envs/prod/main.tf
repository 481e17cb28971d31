# The prod environment: two tasks per HTTP service, a NAT gateway per zone, Multi-AZ databases,
# data protected from `terraform destroy`. CD deploys here after dev, once a reviewer approves the
# GitHub `prod` environment.

terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7"
    }
  }

  # Partial configuration: `terraform init -backend-config=backend.hcl` supplies bucket (and
  # region); see deploy/README.md. S3 native locking, no DynamoDB table.
  backend "s3" {
    key          = "envs/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "ferry"
      Environment = "prod"
      ManagedBy   = "terraform"
    }
  }
}

module "ferry" {
  source             = "../../modules/ferry"
  env                = "prod"
  image_tags         = var.image_tags
  domain_name        = var.domain_name
  zone_id            = var.zone_id
  alarm_emails       = var.alarm_emails
  browser_origins    = var.browser_origins
  waf_enabled        = true
  waf_rate_limit     = var.waf_rate_limit
  otel_collector     = var.otel_collector
  nat_gateways       = 2
  log_level          = "info"
  log_retention_days = 90
  disposable         = false
  database = {
    instance_class       = "db.t4g.small"
    multi_az             = true
    performance_insights = true
  }
  sizes = {
    api           = { cpu = 512, memory = 1024, min = 2, max = 6 }
    ingest-api    = { cpu = 512, memory = 1024, min = 2, max = 8 }
    worker        = { cpu = 512, memory = 1024, min = 1, max = 8 }
    clearinghouse = { cpu = 1024, memory = 2048, min = 1, max = 2 }
  }
}
