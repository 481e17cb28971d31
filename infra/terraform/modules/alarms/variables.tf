variable "name" {
  description = "Environment prefix, e.g. ferry-dev."
  type        = string
}

variable "kms_key_arn" {
  description = "Encrypts the alarm topic (its key policy lets CloudWatch publish)."
  type        = string
}

variable "emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by email)."
  type        = list(string)
  default     = []
}

variable "dead_letter_queues" {
  description = "Dead-letter queue names; any visible message alarms."
  type        = list(string)
}

variable "queues" {
  description = "Work queue names whose oldest message age is watched."
  type        = list(string)
}

variable "queue_age_seconds" {
  type    = number
  default = 900
}

variable "alb_arn_suffix" {
  type = string
}

variable "target_groups" {
  description = "Service to target group ARN suffix."
  type        = map(string)
}

variable "alb_5xx_threshold" {
  description = "5xx answers per 5 minutes that alarm."
  type        = number
  default     = 10
}

variable "cluster_name" {
  description = "ECS cluster of the services."
  type        = string
}

variable "services" {
  description = "Service key (api, …) to ECS service name; each alarms when it runs fewer tasks than desired."
  type        = map(string)
}

variable "running_tasks_minutes" {
  description = "Minutes a service may run fewer tasks than desired before it alarms."
  type        = number
  default     = 10
}

variable "databases" {
  description = "RDS instance identifiers watched for CPU, free storage and connections."
  type        = list(string)
  default     = []
}

variable "database_cpu_percent" {
  type    = number
  default = 80
}

variable "database_free_storage_gb" {
  type    = number
  default = 2
}

variable "database_connections" {
  description = "Connections that alarm; db.t4g.micro allows about 80 (max_connections scales with memory)."
  type        = number
  default     = 60
}
