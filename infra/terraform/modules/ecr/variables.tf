variable "prefix" {
  description = "Repository names are <prefix>/<service>."
  type        = string
  default     = "ferry"
}

variable "services" {
  description = "One repository each."
  type        = list(string)
}

variable "keep_images" {
  description = "Images kept per repository; older ones expire (rollback reaches back this far)."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "Key that encrypts the images at rest."
  type        = string
}
