variable "name" {
  description = "Load balancer name, e.g. ferry-dev."
  type        = string
}

variable "vpc_id" {
  type = string
}

variable "vpc_cidr_block" {
  description = "The load balancer may only talk to targets inside it."
  type        = string
}

variable "public_subnet_ids" {
  type = list(string)
}

variable "target_port" {
  description = "The port every service container listens on."
  type        = number
  default     = 8080
}

variable "services" {
  description = "Routed services: path patterns (at most 5 each), optional host names, health check path."
  type = map(object({
    paths       = list(string)
    hosts       = optional(list(string), [])
    health_path = optional(string, "/health")
  }))
}

variable "default_service" {
  description = "Service that answers what no rule matches (e.g. /health, /docs)."
  type        = string
}

variable "domain_name" {
  description = "Serve HTTPS for this name (with a DNS-validated ACM certificate); null = plain HTTP."
  type        = string
  default     = null
}

variable "alternative_names" {
  description = "More names on the certificate, e.g. the hosts used for host-based routing."
  type        = list(string)
  default     = []
}

variable "zone_id" {
  description = "Route 53 hosted zone of domain_name (certificate validation and alias records)."
  type        = string
  default     = null
}

variable "ssl_policy" {
  type    = string
  default = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "access_log_bucket" {
  description = "Bucket receiving access logs under alb/."
  type        = string
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "waf_enabled" {
  description = "Put an AWS WAF web ACL in front of the load balancer: a rate limit per client IP, AWS's common and known-bad-inputs rule sets, blocked requests logged to aws-waf-logs-<name>."
  type        = bool
  default     = false
}

variable "waf_rate_limit" {
  description = "Requests one client IP may send in 5 minutes before the WAF answers it 429 (AWS WAF accepts 10 to 2,000,000,000)."
  type        = number
  default     = 3000

  validation {
    condition     = var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be between 10 and 2,000,000,000 requests per 5 minutes."
  }
}

variable "kms_key_arn" {
  description = "Encrypts the WAF log group (its key policy lets CloudWatch Logs use it for aws-waf-logs-<name>)."
  type        = string
}
