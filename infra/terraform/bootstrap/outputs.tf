output "state_bucket" {
  description = "Goes into envs/*/backend.hcl as `bucket`."
  value       = aws_s3_bucket.state.bucket
}

output "state_kms_key_arn" {
  description = "Goes into envs/*/backend.hcl as `kms_key_id`."
  value       = aws_kms_key.bootstrap.arn
}

output "ci_role_arn" {
  description = "Repository variable AWS_CI_ROLE_ARN."
  value       = module.github_oidc.ci_role_arn
}

output "cd_role_arns" {
  description = "Environment to CD role: the variable AWS_CD_ROLE_ARN of each GitHub environment (dev, prod)."
  value       = module.github_oidc.cd_role_arns
}

output "ecr_registry" {
  description = "Repository variable ECR_REGISTRY (images are <registry>/ferry/<service>)."
  value       = split("/", values(module.ecr.repository_urls)[0])[0]
}

output "region" {
  description = "Repository variable AWS_REGION."
  value       = var.region
}
