variable "region" {
  type    = string
  default = "us-east-1"
}

variable "image_tags" {
  description = "Service to image tag; empty = the tags CD last deployed."
  type        = map(string)
  default     = {}
}

variable "domain_name" {
  type    = string
  default = null
}

variable "zone_id" {
  type    = string
  default = null
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic; prod needs at least one, or its alarms reach nobody."
  type        = list(string)

  validation {
    condition     = length(var.alarm_emails) >= 1
    error_message = "prod needs at least one alarm subscriber: set alarm_emails (e.g. in terraform.tfvars)."
  }
}

variable "browser_origins" {
  description = "Origins of web applications that use the api's presigned file URLs from a browser (CORS on the files bucket)."
  type        = list(string)
  default     = []
}

variable "waf_rate_limit" {
  description = "Requests one client IP may send in 5 minutes before the WAF in front of the load balancer answers 429."
  type        = number
  default     = 3000
}

variable "otel_collector" {
  description = "Run the OpenTelemetry collector sidecar in every service's task (traces to X-Ray, /metrics to CloudWatch namespace ferry)."
  type        = bool
  default     = false
}
