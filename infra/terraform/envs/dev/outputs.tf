output "base_url" {
  value = module.ferry.base_url
}

output "cluster_name" {
  value = module.ferry.cluster_name
}

output "service_names" {
  value = module.ferry.service_names
}

output "image_tags" {
  value = module.ferry.image_tags
}

output "ingest_token_parameter" {
  value = module.ferry.ingest_token_parameter
}

output "databases" {
  value = module.ferry.databases
}
