variable "region" {
  description = "AWS region of the state bucket, the image repositories and the environments."
  type        = string
  default     = "us-east-1"
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows may assume the CI and CD roles."
  type        = string
}

variable "environments" {
  description = "GitHub deployment environments (and ECS environments) the CD role deploys to."
  type        = list(string)
  default     = ["dev", "prod"]
}

variable "state_bucket_name" {
  description = "Name of the state bucket; default ferry-tfstate-<account>-<region>."
  type        = string
  default     = null
}
