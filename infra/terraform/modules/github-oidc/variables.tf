variable "repository" {
  description = "The GitHub repository allowed to assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "repository must be owner/name."
  }
}

variable "prefix" {
  description = "Name prefix; clusters, services and roles of an environment are <prefix>-<env>-…"
  type        = string
  default     = "ferry"
}

variable "environments" {
  description = "GitHub deployment environments the CD role serves; each is also an ECS environment."
  type        = list(string)
  default     = ["dev", "prod"]
}

variable "repository_arns" {
  description = "ECR repositories CI pushes to."
  type        = list(string)
}
