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
    ingest                = { visibility_timeout_seconds = 60, retention_seconds = 345600 }
    events                = { visibility_timeout_seconds = 60, retention_seconds = 345600 }
    clearinghouse-objects = { visibility_timeout_seconds = 60, retention_seconds = 345600 }
  }
}

variable "object_events" {
  description = "Buckets whose ObjectCreated events (for keys ending in `suffix`) S3 sends to a queue of var.queues."
  type = map(object({
    queue  = string
    suffix = string
  }))
  default = {
    clearinghouse = { queue = "clearinghouse-objects", suffix = ".json" }
  }
}

variable "cors_origins" {
  description = "Browser origins (https://app.example.com) allowed to use presigned POST, PUT and GET URLs of the cors_buckets; empty = no CORS rule."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_origins : can(regex("^https?://[^/*]+$", o))])
    error_message = "cors_origins are scheme://host[:port], without a path or wildcard."
  }
}

variable "cors_buckets" {
  description = "Buckets browsers reach directly through presigned URLs."
  type        = list(string)
  default     = ["files"]
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
    "ingest-token"   = "Bearer token ingest-api requires"
    "api/jwt-secret" = "HS256 key the api verifies tokens with"
    # The clearinghouse's operator API (/files, /stats) requires it as a bearer token.
    "clearinghouse/operator-token" = "Bearer token the clearinghouse operator API requires"
    # The worker's operator API (/dlq: the ingest queue's dead letters) requires it.
    "worker/operator-token" = "Bearer token the worker operator API requires"
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

variable "emulated" {
  description = "Only for the moto test (.ci/terraform-moto.sh): leave out what moto cannot create (the dead-letter queues' redrive allow policies). Never set it for AWS."
  type        = bool
  default     = false
}
