variable "name" {
  description = "Environment prefix, e.g. ferry-dev; the dashboard is called the same."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (its LoadBalancer dimension)."
  type        = string
}

variable "target_groups" {
  description = "Service (api, ingest-api) to target group ARN suffix (its TargetGroup dimension)."
  type        = map(string)

  validation {
    condition     = contains(keys(var.target_groups), "ingest-api")
    error_message = "target_groups needs the ingest-api's: the ingest widgets read it."
  }
}

variable "queues" {
  description = "Queue key (ingest, events, clearinghouse-objects) to work queue name; each shows its depth and oldest message age."
  type        = map(string)

  validation {
    condition     = contains(keys(var.queues), "ingest")
    error_message = "queues needs the ingest queue: worker throughput is what it deletes."
  }
}

variable "dead_letter_queues" {
  description = "Queue key to dead-letter queue name; each shows its depth."
  type        = map(string)
}

variable "clearinghouse_service" {
  description = "ECS service name of the clearinghouse: the `service` dimension its collector gives ferry_clearinghouse_files."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace the collector sidecars write the services' Prometheus metrics to (modules/ecs-service)."
  type        = string
  default     = "ferry"
}

variable "web_acl_name" {
  description = "Name of the WAF web ACL on the load balancer; null (no WAF) leaves its widget out."
  type        = string
  default     = null
}

variable "period_seconds" {
  description = "Period of every widget's datapoints."
  type        = number
  default     = 60
}
