# The four services. Each task role is allowed exactly the calls its service makes (including
# the read-only probes behind /ready: HeadBucket needs s3:ListBucket, a queue's ping is
# GetQueueAttributes, the topic's is GetTopicAttributes); secrets reach the containers through
# the execution role, never through the task role.

locals {
  kms            = module.data.kms_key_arn
  buckets        = module.data.bucket_arns
  queues         = module.data.queue_arns
  token_param    = module.data.parameter_arns["ingest-token"]
  operator_param = module.data.parameter_arns["clearinghouse/operator-token"]
  # The worker's operator API (/dlq) has a token of its own.
  worker_operator_param = module.data.parameter_arns["worker/operator-token"]
  jwt_param             = module.data.parameter_arns["api/jwt-secret"]
  private_ids           = module.network.private_subnet_ids
  # The worker writes under the first segment of its default S3_KEY_TEMPLATE
  # (emails/{payload_version}/{env}/…); change both together.
  worker_prefix = "emails/"
  # The database user each service connects as, with IAM authentication (DATABASE_AUTH=iam): a
  # plain login role in rds_iam that owns the service's database, created once by an operator
  # with deploy/postgres/iam-user.sql. Never the master user.
  db_users = {
    api           = "ferry_api"
    clearinghouse = "ferry_clearinghouse"
  }
  db_user_arn = "arn:${local.partition}:rds-db:${local.region}:${local.account}:dbuser"
}

# ingest-api: reads its token, sends to the ingest queue.
data "aws_iam_policy_document" "ingest_api" {
  statement {
    sid       = "ReadIngestToken"
    actions   = ["ssm:GetParameter"]
    resources = [local.token_param]
  }
  statement {
    sid       = "DecryptIngestToken"
    actions   = ["kms:Decrypt"]
    resources = [local.kms]
  }
  statement {
    sid       = "SendToIngestQueue"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = [local.queues["ingest"]]
  }
}

module "ingest_api" {
  source                     = "../ecs-service"
  service                    = "ingest-api"
  name_prefix                = local.name
  cluster_arn                = aws_ecs_cluster.this.arn
  cluster_name               = aws_ecs_cluster.this.name
  image                      = local.images["ingest-api"]
  repository_arn             = data.aws_ecr_repository.service["ingest-api"].arn
  cpu                        = var.sizes["ingest-api"].cpu
  memory                     = var.sizes["ingest-api"].memory
  kms_key_arn                = local.kms
  vpc_id                     = module.network.vpc_id
  vpc_cidr_block             = module.network.cidr_block
  subnet_ids                 = local.private_ids
  ingress_security_group_ids = { alb = module.alb.security_group_id }
  target_group_arn           = module.alb.target_group_arns["ingest-api"]
  log_retention_days         = var.log_retention_days
  task_policy_json           = data.aws_iam_policy_document.ingest_api.json
  emulated                   = var.emulated
  otel_collector             = var.otel_collector
  metrics_namespace          = local.metrics_namespace
  autoscaling = {
    min        = var.sizes["ingest-api"].min
    max        = var.sizes["ingest-api"].max
    cpu_target = 60
  }
  environment = {
    AWS_REGION      = local.region
    LOG_LEVEL       = var.log_level
    SQS_QUEUE_URL   = module.data.queue_urls["ingest"]
    SSM_TOKEN_PARAM = module.data.parameter_names["ingest-token"]
    # Behind the ALB: the client address (which wrong tokens are counted by) is the one it adds.
    TRUST_PROXY_HOPS = "1"
  }
}

# worker: consumes the ingest queue, writes payloads.
data "aws_iam_policy_document" "worker" {
  statement {
    sid = "ConsumeIngestQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [local.queues["ingest"]]
  }
  # The operator API (/dlq): look at the dead letters, send selected ones back, and start a
  # message move task from the dead-letter queue back to the queue (which SQS runs with these).
  statement {
    sid = "OperateIngestDeadLetters"
    actions = [
      "sqs:GetQueueUrl",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:StartMessageMoveTask",
      "sqs:ListMessageMoveTasks",
    ]
    resources = [module.data.dlq_arns["ingest"]]
  }
  statement {
    sid       = "RedriveToIngestQueue"
    actions   = ["sqs:SendMessage"]
    resources = [local.queues["ingest"]]
  }
  statement {
    sid       = "WritePayloads"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${local.buckets["payloads"]}/${local.worker_prefix}*"]
  }
  statement {
    sid       = "ProbePayloadsBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.buckets["payloads"]]
  }
  statement {
    sid       = "EncryptPayloads"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [local.kms]
  }
}

module "worker" {
  source             = "../ecs-service"
  service            = "worker"
  name_prefix        = local.name
  cluster_arn        = aws_ecs_cluster.this.arn
  cluster_name       = aws_ecs_cluster.this.name
  image              = local.images["worker"]
  repository_arn     = data.aws_ecr_repository.service["worker"].arn
  cpu                = var.sizes["worker"].cpu
  memory             = var.sizes["worker"].memory
  kms_key_arn        = local.kms
  vpc_id             = module.network.vpc_id
  vpc_cidr_block     = module.network.cidr_block
  subnet_ids         = local.private_ids
  log_retention_days = var.log_retention_days
  task_policy_json   = data.aws_iam_policy_document.worker.json
  # Operators reach the operator API (/dlq; bearer OPERATOR_TOKEN) through ECS Exec, as the
  # clearinghouse's: deploy/README.md, "Operator access". `pnpm ferry dlq --env` needs neither.
  execute_command   = true
  emulated          = var.emulated
  otel_collector    = var.otel_collector
  metrics_namespace = local.metrics_namespace
  autoscaling = {
    min               = var.sizes["worker"].min
    max               = var.sizes["worker"].max
    queue_name        = module.data.queue_names["ingest"]
    messages_per_task = 500
  }
  environment = {
    APP_ENV       = var.env
    AWS_REGION    = local.region
    LOG_LEVEL     = var.log_level
    S3_BUCKET     = module.data.bucket_names["payloads"]
    SQS_QUEUE_URL = module.data.queue_urls["ingest"]
  }
  secrets = {
    OPERATOR_TOKEN = { arn = local.worker_operator_param }
  }
}

# clearinghouse: lists and reads its bucket, loads into its own database.
module "clearinghouse_db" {
  source                    = "../database"
  name                      = "${local.name}-clearinghouse"
  database_name             = "clearinghouse"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = local.private_ids
  client_security_group_ids = { clearinghouse = module.clearinghouse.security_group_id }
  kms_key_arn               = local.kms
  instance_class            = var.database.instance_class
  multi_az                  = var.database.multi_az
  performance_insights      = var.database.performance_insights
  deletion_protection       = !var.disposable
  skip_final_snapshot       = var.disposable
}

data "aws_iam_policy_document" "clearinghouse" {
  statement {
    sid       = "ListInbox"
    actions   = ["s3:ListBucket"]
    resources = [local.buckets["clearinghouse"]]
  }
  statement {
    sid       = "ReadInbox"
    actions   = ["s3:GetObject"]
    resources = ["${local.buckets["clearinghouse"]}/*"]
  }
  statement {
    sid       = "DecryptInbox"
    actions   = ["kms:Decrypt"]
    resources = [local.kms]
  }
  statement {
    sid = "ConsumeObjectEvents"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [local.queues["clearinghouse-objects"]]
  }
  statement {
    sid       = "ConnectToDatabase"
    actions   = ["rds-db:connect"]
    resources = ["${local.db_user_arn}:${module.clearinghouse_db.resource_id}/${local.db_users.clearinghouse}"]
  }
}

module "clearinghouse" {
  source             = "../ecs-service"
  service            = "clearinghouse"
  name_prefix        = local.name
  cluster_arn        = aws_ecs_cluster.this.arn
  cluster_name       = aws_ecs_cluster.this.name
  image              = local.images["clearinghouse"]
  repository_arn     = data.aws_ecr_repository.service["clearinghouse"].arn
  cpu                = var.sizes["clearinghouse"].cpu
  memory             = var.sizes["clearinghouse"].memory
  kms_key_arn        = local.kms
  vpc_id             = module.network.vpc_id
  vpc_cidr_block     = module.network.cidr_block
  subnet_ids         = local.private_ids
  database_access    = true
  log_retention_days = var.log_retention_days
  task_policy_json   = data.aws_iam_policy_document.clearinghouse.json
  # Operators reach the operator API (/files, /stats; bearer OPERATOR_TOKEN) through ECS Exec:
  # deploy/README.md, "Operator access".
  execute_command   = true
  emulated          = var.emulated
  otel_collector    = var.otel_collector
  metrics_namespace = local.metrics_namespace
  autoscaling = {
    min        = var.sizes["clearinghouse"].min
    max        = var.sizes["clearinghouse"].max
    cpu_target = 70
  }
  environment = {
    AWS_REGION = local.region
    LOG_LEVEL  = var.log_level
    S3_BUCKET  = module.data.bucket_names["clearinghouse"]
    # New .json objects arrive as S3 events; the periodic listing stays the safety net.
    S3_EVENTS_QUEUE_URL = module.data.queue_urls["clearinghouse-objects"]
    # IAM authentication as its own user; TLS verified against the RDS CAs (packages/db).
    DATABASE_URL  = "postgres://${local.db_users.clearinghouse}@${module.clearinghouse_db.address}:${module.clearinghouse_db.port}/${module.clearinghouse_db.database_name}?sslmode=verify-full"
    DATABASE_AUTH = "iam"
  }
  secrets = {
    OPERATOR_TOKEN = { arn = local.operator_param }
  }
}

# api: its documents and files buckets, the events topic and queue, its own database. Presigned
# URLs are signed with the task role, so it holds exactly what a presigned GET or POST needs.
module "api_db" {
  source                    = "../database"
  name                      = "${local.name}-api"
  database_name             = "api"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = local.private_ids
  client_security_group_ids = { api = module.api.security_group_id }
  kms_key_arn               = local.kms
  instance_class            = var.database.instance_class
  multi_az                  = var.database.multi_az
  performance_insights      = var.database.performance_insights
  deletion_protection       = !var.disposable
  skip_final_snapshot       = var.disposable
}

data "aws_iam_policy_document" "api" {
  statement {
    sid       = "ListDocuments"
    actions   = ["s3:ListBucket"]
    resources = [local.buckets["documents"]]
  }
  statement {
    sid = "ReadWriteDocuments"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    resources = ["${local.buckets["documents"]}/*"]
  }
  statement {
    sid       = "ListFiles"
    actions   = ["s3:ListBucket"]
    resources = [local.buckets["files"]]
  }
  statement {
    # tenants/ only: the api never reads or writes anything else in the bucket.
    sid = "ReadWriteTenantFiles"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    resources = ["${local.buckets["files"]}/tenants/*"]
  }
  statement {
    sid       = "EncryptDocumentsAndEvents"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [local.kms]
  }
  statement {
    sid       = "PublishEvents"
    actions   = ["sns:Publish", "sns:GetTopicAttributes"]
    resources = [module.data.topic_arn]
  }
  statement {
    sid       = "ConnectToDatabase"
    actions   = ["rds-db:connect"]
    resources = ["${local.db_user_arn}:${module.api_db.resource_id}/${local.db_users.api}"]
  }
  statement {
    sid = "UseEventsQueue"
    actions = [
      "sqs:SendMessage",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [local.queues["events"]]
  }
}

module "api" {
  source                     = "../ecs-service"
  service                    = "api"
  name_prefix                = local.name
  cluster_arn                = aws_ecs_cluster.this.arn
  cluster_name               = aws_ecs_cluster.this.name
  image                      = local.images["api"]
  repository_arn             = data.aws_ecr_repository.service["api"].arn
  cpu                        = var.sizes["api"].cpu
  memory                     = var.sizes["api"].memory
  kms_key_arn                = local.kms
  vpc_id                     = module.network.vpc_id
  vpc_cidr_block             = module.network.cidr_block
  subnet_ids                 = local.private_ids
  ingress_security_group_ids = { alb = module.alb.security_group_id }
  target_group_arn           = module.alb.target_group_arns["api"]
  database_access            = true
  log_retention_days         = var.log_retention_days
  task_policy_json           = data.aws_iam_policy_document.api.json
  emulated                   = var.emulated
  otel_collector             = var.otel_collector
  metrics_namespace          = local.metrics_namespace
  autoscaling = {
    min        = var.sizes["api"].min
    max        = var.sizes["api"].max
    cpu_target = 60
  }
  environment = {
    AWS_REGION = local.region
    LOG_LEVEL  = var.log_level
    # IAM authentication as its own user; TLS verified against the RDS CAs (packages/db).
    DATABASE_URL   = "postgres://${local.db_users.api}@${module.api_db.address}:${module.api_db.port}/${module.api_db.database_name}?sslmode=verify-full"
    DATABASE_AUTH  = "iam"
    S3_BUCKET_NAME = module.data.bucket_names["documents"]
    FILES_BUCKET   = module.data.bucket_names["files"]
    SNS_TOPIC_ARN  = module.data.topic_arn
    SQS_QUEUE_URL  = module.data.queue_urls["events"]
    # Presigned URLs are signed with the task role's temporary credentials and stop working
    # when those expire (they rotate hourly or so): never promise a longer life than an hour.
    PRESIGN_MAX_SECONDS        = "3600"
    PRESIGN_UPLOAD_MAX_SECONDS = "3600"
    # Behind the ALB: the client address (which failed logins are counted by) is the one it adds.
    TRUST_PROXY_HOPS = "1"
  }
  secrets = {
    JWT_SECRET = { arn = local.jwt_param }
  }
}
