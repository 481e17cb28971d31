variable "env" {
  description = "Environment name (dev, prod); resources are ferry-<env>-…, parameters /ferry/<env>/…"
  type        = string
}

variable "image_tags" {
  description = "Service to image tag, overriding the deployed tag CD recorded (e.g. to pin a rollback)."
  type        = map(string)
  default     = {}
}

variable "initial_image_tag" {
  description = "Tag recorded for every service when the environment is first created (CD overwrites it)."
  type        = string
  default     = "bootstrap"
}

variable "sizes" {
  description = "Per service: task CPU units and memory MiB, and the autoscaling bounds."
  type = map(object({
    cpu    = number
    memory = number
    min    = number
    max    = number
  }))
  default = {
    api           = { cpu = 256, memory = 512, min = 1, max = 2 }
    ingest-api    = { cpu = 256, memory = 512, min = 1, max = 2 }
    worker        = { cpu = 256, memory = 512, min = 1, max = 2 }
    clearinghouse = { cpu = 256, memory = 512, min = 1, max = 1 }
  }
}

variable "database" {
  description = "Size of each service's PostgreSQL instance."
  type = object({
    instance_class       = string
    multi_az             = bool
    performance_insights = bool
  })
  default = { instance_class = "db.t4g.micro", multi_az = false, performance_insights = false }
}

variable "vpc_cidr_block" {
  type    = string
  default = "10.40.0.0/16"
}

variable "nat_gateways" {
  description = "1 (one shared NAT) or 2 (one per zone)."
  type        = number
  default     = 1
}

variable "interface_endpoints" {
  type    = bool
  default = false
}

variable "domain_name" {
  description = "HTTPS host name of the environment (null: plain HTTP on the load balancer's name)."
  type        = string
  default     = null
}

variable "zone_id" {
  description = "Route 53 zone of domain_name and of the routing hosts."
  type        = string
  default     = null
}

variable "hosts" {
  description = "Host-based routing: service (api, ingest-api) to host names that go to it."
  type        = map(list(string))
  default     = {}
}

variable "alarm_emails" {
  type    = list(string)
  default = []
}

variable "log_level" {
  type    = string
  default = "info"
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "disposable" {
  description = "A throw-away environment: buckets and databases may be destroyed with their data."
  type        = bool
  default     = false
}

variable "emulated" {
  description = "Only for the moto test (.ci/terraform-moto.sh, which lists what it leaves out and why): skip what moto cannot create. Never set it for AWS."
  type        = bool
  default     = false
}

variable "browser_origins" {
  description = "Origins of the web applications that use the api's presigned file URLs from a browser (CORS on the files bucket)."
  type        = list(string)
  default     = []
}

variable "waf_enabled" {
  description = "Put an AWS WAF web ACL in front of the load balancer (modules/alb/waf.tf): a rate limit per client IP and AWS's common and known-bad-inputs rule sets."
  type        = bool
  default     = false
}

variable "waf_rate_limit" {
  description = "Requests one client IP may send in 5 minutes before the WAF answers 429 (with waf_enabled)."
  type        = number
  default     = 3000
}

variable "otel_collector" {
  description = "Run an OpenTelemetry collector sidecar in every service's task: traces to X-Ray, the services' /metrics to CloudWatch (namespace ferry; the dashboard's clearinghouse widget needs it)."
  type        = bool
  default     = false
}
