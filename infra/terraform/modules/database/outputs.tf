output "address" {
  value = aws_db_instance.this.address
}

output "port" {
  value = aws_db_instance.this.port
}

output "database_name" {
  value = aws_db_instance.this.db_name
}

output "username" {
  description = "The master user: for the one-off bootstrap of the application user only (deploy/README.md); the services never use it."
  value       = aws_db_instance.this.username
}

output "resource_id" {
  description = "The instance's DbiResourceId, which rds-db:connect permissions name."
  value       = aws_db_instance.this.resource_id
}

output "secret_arn" {
  description = "Secrets Manager secret holding the master username and password (JSON): for operators, never given to a service."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  value = aws_security_group.this.id
}

output "identifier" {
  value = aws_db_instance.this.identifier
}
