output "base_url" {
  value = module.alb.base_url
}

output "cluster_name" {
  value = aws_ecs_cluster.this.name
}

output "service_names" {
  value = {
    api           = module.api.service_name
    ingest-api    = module.ingest_api.service_name
    worker        = module.worker.service_name
    clearinghouse = module.clearinghouse.service_name
  }
}

output "image_tags" {
  description = "The tag each service runs (as of this apply)."
  value       = local.image_tags
}

output "bucket_names" {
  value = module.data.bucket_names
}

output "queue_urls" {
  value = module.data.queue_urls
}

output "topic_arn" {
  value = module.data.topic_arn
}

output "ingest_token_parameter" {
  value = module.data.parameter_names["ingest-token"]
}

output "alarm_topic_arn" {
  value = module.alarms.topic_arn
}

output "databases" {
  description = "Per service with a database: where it is, the user the service connects as, and the master secret an operator uses once to create that user (deploy/postgres/iam-user.sql)."
  value = {
    for service, db in { api = module.api_db, clearinghouse = module.clearinghouse_db } : service => {
      address                = db.address
      port                   = db.port
      database               = db.database_name
      user                   = local.db_users[service]
      master_user            = db.username
      master_secret_arn      = db.secret_arn
    }
  }
}
