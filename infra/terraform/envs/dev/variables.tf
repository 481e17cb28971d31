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
  type    = list(string)
  default = []
}

variable "emulated" {
  description = "Only for the moto test (.ci/terraform-moto.sh): skip what moto cannot create. Never set it for AWS."
  type        = bool
  default     = false
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
