# Used only by .ci/terraform-moto.sh, which copies it (with MOTO_ENDPOINT replaced) into a
# scratch copy of a root: every AWS API the configuration calls goes to a local moto_server, with
# dummy credentials and no account, region or credential checks; state stays local.

terraform {
  backend "local" {}
}

provider "aws" {
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true

  endpoints {
    acm            = "MOTO_ENDPOINT"
    appautoscaling = "MOTO_ENDPOINT"
    cloudwatch     = "MOTO_ENDPOINT"
    ec2            = "MOTO_ENDPOINT"
    ecr            = "MOTO_ENDPOINT"
    ecs            = "MOTO_ENDPOINT"
    elb            = "MOTO_ENDPOINT"
    elbv2          = "MOTO_ENDPOINT"
    iam            = "MOTO_ENDPOINT"
    kms            = "MOTO_ENDPOINT"
    logs           = "MOTO_ENDPOINT"
    rds            = "MOTO_ENDPOINT"
    route53        = "MOTO_ENDPOINT"
    s3             = "MOTO_ENDPOINT"
    secretsmanager = "MOTO_ENDPOINT"
    sns            = "MOTO_ENDPOINT"
    sqs            = "MOTO_ENDPOINT"
    ssm            = "MOTO_ENDPOINT"
    sts            = "MOTO_ENDPOINT"
    wafv2          = "MOTO_ENDPOINT"
  }
}
