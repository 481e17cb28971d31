output "ci_role_arn" {
  value = aws_iam_role.ci.arn
}

output "cd_role_arn" {
  value = aws_iam_role.cd.arn
}

output "provider_arn" {
  value = aws_iam_openid_connect_provider.github.arn
}
