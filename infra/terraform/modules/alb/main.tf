# The public entry point. With a domain (and its Route 53 zone) it serves HTTPS with an ACM
# certificate and redirects HTTP to HTTPS; without one (a fresh dev account) it serves plain HTTP
# on the load balancer's own DNS name. Requests are routed by path, and optionally by host, to
# one target group per routed service; anything else goes to `default_service`. An AWS WAF web
# ACL can sit in front of it (waf.tf, var.waf_enabled).

locals {
  https = var.domain_name != null
  # Rules: host-based first (when configured), then path-based; priorities are stable per service.
  service_keys = sort(keys(var.services))
  host_rules = {
    for i, k in local.service_keys : k => { priority = 10 + i, hosts = var.services[k].hosts }
    if length(var.services[k].hosts) > 0
  }
  path_rules = {
    for i, k in local.service_keys : k => { priority = 100 + i, paths = var.services[k].paths }
    if length(var.services[k].paths) > 0
  }
  listener_arn = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http_forward[0].arn
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Public HTTP(S) to the load balancer"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  # checkov:skip=CKV_AWS_260: public port 80 only redirects to HTTPS when a domain is set; without a domain (dev) it is the entry point
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from anywhere (redirected to HTTPS when a domain is set)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  count             = local.https ? 1 : 0
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id = aws_security_group.alb.id
  description       = "To the service tasks inside the VPC"
  cidr_ipv4         = var.vpc_cidr_block
  ip_protocol       = "tcp"
  from_port         = var.target_port
  to_port           = var.target_port
}

resource "aws_lb" "this" {
  # checkov:skip=CKV_AWS_150: on except in disposable environments (var.deletion_protection = !disposable in modules/ferry)
  # checkov:skip=CKV2_AWS_20: with a domain, port 80 only redirects to HTTPS (http_redirect); without one there is no certificate to redirect to
  # checkov:skip=CKV2_AWS_76: the web ACL (waf.tf) runs the Log4j rule group (CKV_AWS_192); this check also wants AWSManagedRulesAnonymousIpList, whose hosting-provider list would block the cloud servers that post to /ingest
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60

  access_logs {
    bucket  = var.access_log_bucket
    prefix  = "alb"
    enabled = true
  }
}

resource "aws_lb_target_group" "this" {
  # checkov:skip=CKV_AWS_378: TLS ends at the load balancer; from there to the tasks traffic stays in the private subnets of the VPC
  for_each             = var.services
  name                 = substr("${var.name}-${each.key}", 0, 32)
  port                 = var.target_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = each.value.health_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_acm_certificate" "this" {
  count                     = local.https ? 1 : 0
  domain_name               = var.domain_name
  subject_alternative_names = var.alternative_names
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = local.https ? {
    for o in aws_acm_certificate.this[0].domain_validation_options : o.domain_name => o
  } : {}
  zone_id         = var.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count                   = local.https ? 1 : 0
  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_route53_record" "alias" {
  for_each = local.https ? toset(concat([var.domain_name], var.alternative_names)) : toset([])
  zone_id  = var.zone_id
  name     = each.value
  type     = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

resource "aws_lb_listener" "https" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = aws_acm_certificate_validation.this[0].certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[var.default_service].arn
  }
}

resource "aws_lb_listener" "http_redirect" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "http_forward" {
  # checkov:skip=CKV_AWS_2: exists only when no domain (hence no certificate) is configured; with a domain the http_redirect listener replaces it
  # checkov:skip=CKV_AWS_103: same listener: plain HTTP only until a domain is configured
  count             = local.https ? 0 : 1
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[var.default_service].arn
  }
}

resource "aws_lb_listener_rule" "host" {
  for_each     = local.host_rules
  listener_arn = local.listener_arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    host_header {
      values = each.value.hosts
    }
  }
}

resource "aws_lb_listener_rule" "path" {
  for_each     = local.path_rules
  listener_arn = local.listener_arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    path_pattern {
      values = each.value.paths
    }
  }
}
