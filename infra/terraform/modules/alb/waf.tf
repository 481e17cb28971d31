# An optional AWS WAF web ACL in front of the load balancer (var.waf_enabled): a rate limit per
# client address first, then AWS's common rule set and its known-bad-inputs set (Log4j, Java
# deserialization, …). Every rule publishes CloudWatch metrics (the dashboard shows what was
# blocked) and keeps sampled requests; the requests it blocked or only counted are logged, with
# the Authorization header redacted, to a log group whose name WAF requires to start with
# aws-waf-logs-. Allowed traffic is in the load balancer's access logs already.

locals {
  waf_metric = replace(var.name, "-", "_")
  # The common rule set's body rules only count: what ferry's bodies carry is opaque data (email
  # content through /ingest, uploaded files through /files), where markup, URLs and paths are
  # legitimate, and uploads are larger than the 8 KB a body rule inspects. Every other rule blocks.
  waf_count_only = [
    "SizeRestrictions_BODY",
    "CrossSiteScripting_BODY",
    "GenericLFI_BODY",
    "GenericRFI_BODY",
    "EC2MetaDataSSRF_BODY",
  ]
}

resource "aws_wafv2_web_acl" "this" {
  count       = var.waf_enabled ? 1 : 0
  name        = var.name
  description = "In front of the ${var.name} load balancer"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-per-ip"
    priority = 0

    action {
      block {
        custom_response {
          response_code = 429
        }
      }
    }

    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.waf_metric}_rate_per_ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "common"
    priority = 10

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"

        dynamic "rule_action_override" {
          for_each = local.waf_count_only
          content {
            name = rule_action_override.value
            action_to_use {
              count {}
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.waf_metric}_common"
      sampled_requests_enabled   = true
    }
  }

  # Log4j (Log4JRCE), Java deserialization, exploitable paths: all block.
  rule {
    name     = "known-bad-inputs"
    priority = 20

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
        vendor_name = "AWS"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.waf_metric}_known_bad_inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.waf_metric
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count        = var.waf_enabled ? 1 : 0
  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this[0].arn
}

# Security events, so kept a year (few lines: only blocked and counted requests are written).
resource "aws_cloudwatch_log_group" "waf" {
  count             = var.waf_enabled ? 1 : 0
  name              = "aws-waf-logs-${var.name}"
  retention_in_days = 365
  kms_key_id        = var.kms_key_arn
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count                   = var.waf_enabled ? 1 : 0
  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # Bearer tokens (the ingest token, JWTs) never reach the log.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  logging_filter {
    default_behavior = "DROP"

    filter {
      behavior    = "KEEP"
      requirement = "MEETS_ANY"
      condition {
        action_condition {
          action = "BLOCK"
        }
      }
      condition {
        action_condition {
          action = "COUNT"
        }
      }
      # What the count-only body rules matched.
      condition {
        action_condition {
          action = "EXCLUDED_AS_COUNT"
        }
      }
    }
  }
}
