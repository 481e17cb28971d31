output "kms_key_arn" {
  value = aws_kms_key.this.arn
}

output "bucket_names" {
  description = "Bucket key (payloads, clearinghouse, documents, files) to bucket name."
  value       = { for k, b in aws_s3_bucket.this : k => b.bucket }
}

output "bucket_arns" {
  value = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "log_bucket" {
  description = "Ready for access logs once its policy is in place (the load balancer checks at creation)."
  value       = aws_s3_bucket.logs.bucket
  depends_on  = [aws_s3_bucket_policy.logs]
}

output "queue_urls" {
  value = { for k, q in aws_sqs_queue.this : k => q.url }
}

output "queue_arns" {
  value = { for k, q in aws_sqs_queue.this : k => q.arn }
}

output "queue_names" {
  value = { for k, q in aws_sqs_queue.this : k => q.name }
}

output "dlq_names" {
  value = { for k, q in aws_sqs_queue.dlq : k => q.name }
}

output "dlq_arns" {
  value = { for k, q in aws_sqs_queue.dlq : k => q.arn }
}

output "topic_arn" {
  value = aws_sns_topic.events.arn
}

output "parameter_names" {
  value = { for k, p in aws_ssm_parameter.secret : k => p.name }
}

output "parameter_arns" {
  value = { for k, p in aws_ssm_parameter.secret : k => p.arn }
}
