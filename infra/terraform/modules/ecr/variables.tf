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

variable "deployed_prefix" {
  description = "Tag prefix CD gives an image it deployed (deploy/ecs-deploy.sh); such images are kept."
  type        = string
  default     = "deployed-"
}

variable "keep_deployed_images" {
  description = "Deployed images kept per repository (every deployment to dev and prod, newest first): in effect all of them."
  type        = number
  default     = 1000
}
