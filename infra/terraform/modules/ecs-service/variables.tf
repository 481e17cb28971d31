variable "service" {
  description = "Service name as in services/<name> (api, ingest-api, worker, clearinghouse)."
  type        = string
}

variable "name_prefix" {
  description = "Environment prefix, e.g. ferry-dev; resources are <prefix>-<service>."
  type        = string
}

variable "cluster_arn" {
  type = string
}

variable "cluster_name" {
  type = string
}

variable "image" {
  description = "Full image reference, <registry>/ferry/<service>:<tag>."
  type        = string
}

variable "repository_arn" {
  description = "ECR repository the execution role may pull from."
  type        = string
}

variable "cpu" {
  description = "Task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Task memory in MiB."
  type        = number
  default     = 512
}

variable "container_port" {
  type    = number
  default = 8080
}

variable "health_path" {
  description = "Liveness path the container health check fetches."
  type        = string
  default     = "/health"
}

variable "ready_path" {
  description = "Readiness path a non-essential probe container in each task fetches (null: no probe). Its health status is what CD's smoke test reads; ECS never restarts a task for it."
  type        = string
  default     = "/ready"
  nullable    = true
}

variable "environment" {
  description = "Plain environment variables; their names must match the service's src/config.ts (infra/tests checks)."
  type        = map(string)
}

variable "secrets" {
  description = "Environment variables read at start from Secrets Manager or SSM: name to ARN (and the JSON key for a JSON secret)."
  type = map(object({
    arn      = string
    json_key = optional(string)
  }))
  default = {}
}

variable "task_policy_json" {
  description = "IAM policy document of the task role: exactly what the service calls."
  type        = string
}

variable "kms_key_arn" {
  description = "Encrypts the log group; decrypts the secrets."
  type        = string
}

variable "vpc_id" {
  type = string
}

variable "vpc_cidr_block" {
  type = string
}

variable "subnet_ids" {
  description = "Private subnets the tasks run in."
  type        = list(string)
}

variable "ingress_security_group_ids" {
  description = "Security groups that may reach the container port, by a name known at plan time (the group ids are not)."
  type        = map(string)
  default     = {}
}

variable "target_group_arn" {
  description = "Register the tasks in this load balancer target group; null = not behind the load balancer."
  type        = string
  default     = null
}

variable "database_access" {
  description = "Allow egress to PostgreSQL inside the VPC."
  type        = bool
  default     = false
}

variable "autoscaling" {
  description = "Task count bounds and the signal: cpu_target (percent) or queue_name with messages_per_task."
  type = object({
    min               = number
    max               = number
    cpu_target        = optional(number)
    queue_name        = optional(string)
    messages_per_task = optional(number, 100)
  })
  default = { min = 1, max = 2, cpu_target = 60 }

  validation {
    condition     = var.autoscaling.min >= 1 && var.autoscaling.max >= var.autoscaling.min
    error_message = "autoscaling needs 1 <= min <= max."
  }
}

variable "stop_timeout_seconds" {
  description = "Seconds between SIGTERM and SIGKILL: room for the graceful drain."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "emulated" {
  description = "Only for the moto test (.ci/terraform-moto.sh): leave out what moto cannot create (autoscaling). Never set it for AWS."
  type        = bool
  default     = false
}

variable "execute_command" {
  description = "Allow ECS Exec into the tasks (`aws ecs execute-command`, port forwarding): the way operators reach an API that has no load balancer route."
  type        = bool
  default     = false
}

variable "otel_collector" {
  description = "Run an OpenTelemetry collector (AWS Distro) beside the app: OTLP/HTTP traces on localhost:4318 (the app gets OTEL_EXPORTER_OTLP_ENDPOINT) to X-Ray, and the app's /metrics into CloudWatch metrics (EMF, metrics_namespace). It shares the task's CPU and memory."
  type        = bool
  default     = false
}

variable "otel_collector_image" {
  description = "Image of the collector sidecar, pinned (a release of aws-observability/aws-otel-collector)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
}

variable "metrics_namespace" {
  description = "CloudWatch namespace the collector writes the app's Prometheus metrics to."
  type        = string
  default     = "ferry"
}

variable "metrics_declarations" {
  description = "Which Prometheus metrics (regular expressions on the name) the collector makes CloudWatch metrics, and by which label sets; `service` (the ECS service name) is added to each set. Others stay in the EMF log only."
  type = list(object({
    metric_name_selectors = list(string)
    dimensions            = list(list(string))
  }))
  # No `$` in a selector: the collector expands `$` in its configuration. A prefix is enough.
  default = [
    # The kit's request counter, by HTTP status (the route would multiply the metric count).
    { metric_name_selectors = ["^http_requests"], dimensions = [["status"]] },
    { metric_name_selectors = ["^ferry_clearinghouse_files"], dimensions = [["status"]] },
    { metric_name_selectors = ["^ferry_worker_"], dimensions = [[]] },
  ]
}
