output "target_group_arns" {
  description = "Service to target group ARN; ready once the listener rules exist."
  value       = { for k, tg in aws_lb_target_group.this : k => tg.arn }
  depends_on  = [aws_lb_listener_rule.path, aws_lb_listener_rule.host, aws_lb_listener.https, aws_lb_listener.http_forward]
}

output "arn_suffix" {
  value = aws_lb.this.arn_suffix
}

output "target_group_arn_suffixes" {
  value = { for k, tg in aws_lb_target_group.this : k => tg.arn_suffix }
}

output "security_group_id" {
  value = aws_security_group.alb.id
}

output "dns_name" {
  value = aws_lb.this.dns_name
}

output "base_url" {
  description = "Where clients (and the CD smoke test) reach the services."
  value       = var.domain_name != null ? "https://${var.domain_name}" : "http://${aws_lb.this.dns_name}"
}

output "web_acl_name" {
  description = "Name of the WAF web ACL on the load balancer; null without one."
  value       = var.waf_enabled ? aws_wafv2_web_acl.this[0].name : null
}
