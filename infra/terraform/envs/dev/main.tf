# The dev environment: the smallest footprint that still runs every service (one task each, one
# NAT gateway, single-AZ micro databases, disposable data). CD deploys here on every push to main.

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
    key          = "envs/dev/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "ferry"
      Environment = "dev"
      ManagedBy   = "terraform"
    }
  }
}

module "ferry" {
  source             = "../../modules/ferry"
  env                = "dev"
  image_tags         = var.image_tags
  domain_name        = var.domain_name
  zone_id            = var.zone_id
  alarm_emails       = var.alarm_emails
  browser_origins    = var.browser_origins
  waf_enabled        = true
  waf_rate_limit     = var.waf_rate_limit
  otel_collector     = var.otel_collector
  nat_gateways       = 1
  log_level          = "debug"
  log_retention_days = 14
  disposable         = true
  emulated           = var.emulated
  database = {
    instance_class       = "db.t4g.micro"
    multi_az             = false
    performance_insights = false
  }
}
