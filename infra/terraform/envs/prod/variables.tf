variable "region" {
  type    = string
  default = "us-east-1"
}

variable "image_tags" {
  description = "Service to image tag; empty = the tags CD last deployed."
  type        = map(string)
  default     = {}
}

variable "domain_name" {
  type    = string
  default = null
}

variable "zone_id" {
  type    = string
  default = null
}

variable "alarm_emails" {
  type    = list(string)
  default = []
}
