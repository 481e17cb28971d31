output "dashboard_name" {
  value = aws_cloudwatch_dashboard.this.dashboard_name
}
