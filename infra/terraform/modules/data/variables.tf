variable "name" {
  description = "Name prefix, e.g. ferry-dev."
  type        = string
}

variable "env" {
  description = "Environment name, e.g. dev; parameters live under /ferry/<env>/."
  type        = string
}

variable "buckets" {
  description = "Service buckets to create, named <name>-<bucket>-<account>."
  type        = list(string)
  default     = ["payloads", "clearinghouse", "documents", "files"]
}

variable "queues" {
  description = "Queues to create, each with a dead-letter queue."
  type = map(object({
    visibility_timeout_seconds = number
    retention_seconds          = number
  }))
  default = {
    ingest = { visibility_timeout_seconds = 60, retention_seconds = 345600 }
    events = { visibility_timeout_seconds = 60, retention_seconds = 345600 }
  }
}

variable "topic_queue" {
  description = "The queue subscribed to the events topic."
  type        = string
  default     = "events"
}

variable "max_receive_count" {
  description = "Receives before a message moves to its dead-letter queue."
  type        = number
  default     = 5
}

variable "secret_parameters" {
  description = "SecureString parameters under /ferry/<env>/, name to description."
  type        = map(string)
  default = {
    "ingest-token"                 = "Bearer token ingest-api requires"
    "api/jwt-secret"               = "HS256 key the api verifies tokens with"
    "clearinghouse/operator-token" = "Bearer token the clearinghouse operator API requires"
  }
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted object version is kept."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  description = "Days access logs are kept in the log bucket."
  type        = number
  default     = 90
}

variable "force_destroy" {
  description = "Let terraform destroy non-empty buckets (dev only)."
  type        = bool
  default     = false
}
