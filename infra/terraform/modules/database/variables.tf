variable "name" {
  description = "Instance identifier, e.g. ferry-dev-api."
  type        = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  description = "Private subnets (two zones)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 5432, by a name known at plan time (the group ids are not)."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "Encrypts the storage, the master secret and Performance Insights."
  type        = string
}

variable "database_name" {
  type = string
}

variable "username" {
  description = "Master user name; its password lives only in Secrets Manager."
  type        = string
  default     = "ferry"
}

variable "engine_major_version" {
  type    = string
  default = "16"
}

variable "instance_class" {
  type    = string
  default = "db.t4g.micro"
}

variable "allocated_storage_gb" {
  type    = number
  default = 20
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling."
  type        = number
  default     = 100
}

variable "multi_az" {
  type    = bool
  default = false
}

variable "backup_retention_days" {
  type    = number
  default = 7
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "skip_final_snapshot" {
  description = "Destroy without a final snapshot (dev only)."
  type        = bool
  default     = false
}

variable "performance_insights" {
  description = "Performance Insights (7 days free); not offered on every micro class."
  type        = bool
  default     = true
}
