variable "name" {
  description = "Name prefix of every resource, e.g. ferry-dev."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's address range; subnets are /24s carved from it."
  type        = string
  default     = "10.40.0.0/16"
}

variable "nat_gateways" {
  description = "0, 1 (cheap: one zone's NAT serves both) or 2 (one per zone: survives a zone outage)."
  type        = number
  default     = 1

  validation {
    condition     = contains([0, 1, 2], var.nat_gateways)
    error_message = "nat_gateways must be 0, 1 or 2."
  }
}

variable "interface_endpoints" {
  description = "Reach SQS, SNS, SSM, ECR, Logs, Secrets Manager and KMS through interface endpoints (about $7 a month each per zone) instead of the NAT."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Key that encrypts the flow log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep the flow logs."
  type        = number
  default     = 30
}

variable "flow_log_traffic" {
  description = "Which traffic the flow logs record: REJECT, ACCEPT or ALL."
  type        = string
  default     = "REJECT"
}
