output "ci_role_arn" {
  value = aws_iam_role.ci.arn
}

output "cd_role_arns" {
  description = "Environment to its CD role ARN."
  value       = { for env, role in aws_iam_role.cd : env => role.arn }
}

output "provider_arn" {
  value = aws_iam_openid_connect_provider.github.arn
}
