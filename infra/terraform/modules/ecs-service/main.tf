# One ECS Fargate service: its task definition, log group, execution role (pull the image, write
# logs, read the secrets it is given), task role (from the policy document the caller passes:
# exactly what the service calls), security group, optional load balancer target, and
# autoscaling on CPU or on the depth of an SQS queue. A deployment that never turns healthy is
# stopped and rolled back by the circuit breaker.

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  full_name = "${var.name_prefix}-${var.service}"
  region    = data.aws_region.current.id
  secret_arns = distinct([
    for s in values(var.secrets) : s.arn if strcontains(s.arn, ":secretsmanager:")
  ])
  parameter_arns = distinct([
    for s in values(var.secrets) : s.arn if strcontains(s.arn, ":ssm:")
  ])
  # ECS Exec's agent writes its state and logs under /var/lib/amazon and /var/log/amazon; with a
  # read-only root file system those must be volumes (aws/containers-roadmap#1359).
  exec_volumes = var.execute_command ? [
    { name = "exec-state", path = "/var/lib/amazon" },
    { name = "exec-logs", path = "/var/log/amazon" },
  ] : []
  # Every container of the task logs to the service's group, under its own stream names.
  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = aws_cloudwatch_log_group.this.name
      awslogs-region        = local.region
      awslogs-stream-prefix = var.service
    }
  }
  health_command = "fetch('http://127.0.0.1:${var.container_port}${var.health_path}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
  ready_command  = "fetch('http://127.0.0.1:${var.container_port}${coalesce(var.ready_path, "/ready")}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
  container = {
    name                   = var.service
    image                  = var.image
    essential              = true
    user                   = "1000:1000"
    readonlyRootFilesystem = true
    # An init process as PID 1 (the image has none): it forwards SIGTERM to node even during
    # start-up, before node's own handler exists, and reaps orphans (ECS Exec's too).
    linuxParameters = { initProcessEnabled = true }
    portMappings    = [{ containerPort = var.container_port, protocol = "tcp" }]
    # The collector (when on) starts first, so the app's first spans find it listening.
    dependsOn = var.otel_collector ? [{ containerName = local.otel_name, condition = "START" }] : null
    environment = [
      for k, v in merge(var.environment, local.otel_environment) : { name = k, value = v }
    ]
    secrets = [
      for k in sort(keys(var.secrets)) : {
        name      = k
        valueFrom = var.secrets[k].json_key == null ? var.secrets[k].arn : "${var.secrets[k].arn}:${var.secrets[k].json_key}::"
      }
    ]
    mountPoints = concat(
      [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }],
      [for v in local.exec_volumes : { sourceVolume = v.name, containerPath = v.path, readOnly = false }],
    )
    healthCheck = {
      command     = ["CMD", "node", "-e", local.health_command]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    logConfiguration = local.log_configuration
    stopTimeout      = var.stop_timeout_seconds
  }
}

# The readiness probe: the same image idling beside the app (tasks share one network namespace)
# with a health check on the app's /ready. Non-essential, so its health never stops or replaces
# the task (a dependency outage must not restart the service: the app's own /health is what
# ECS acts on); its HEALTHY status is the proof CD's smoke test reads for services no load
# balancer reaches (deploy/ecs-deploy.sh smoke).
locals {
  ready_probe = var.ready_path == null ? [] : [{
    name                   = "ready"
    image                  = var.image
    essential              = false
    user                   = "1000:1000"
    readonlyRootFilesystem = true
    entryPoint             = ["node", "-e", "process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1<<30)"]
    dependsOn              = [{ containerName = var.service, condition = "START" }]
    healthCheck = {
      command     = ["CMD", "node", "-e", local.ready_command]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    logConfiguration = local.log_configuration
  }]
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_338: operational logs, kept var.log_retention_days (dev 14, prod 90); audit trails live in CloudTrail
  name              = "/ferry/${var.name_prefix}/${var.service}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "PullImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [var.repository_arn]
  }
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
  dynamic "statement" {
    for_each = length(local.secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secret_arns
    }
  }
  dynamic "statement" {
    for_each = length(local.parameter_arns) > 0 ? [1] : []
    content {
      sid       = "ReadParameters"
      actions   = ["ssm:GetParameters"]
      resources = local.parameter_arns
    }
  }
  dynamic "statement" {
    for_each = length(var.secrets) > 0 ? [1] : []
    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.full_name}-exec"
  description        = "ECS agent for ${local.full_name}: pull, log, read secrets"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-task"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${local.full_name}-task"
  description        = "What ${local.full_name} itself may call"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "task" {
  name   = "service"
  role   = aws_iam_role.task.id
  policy = var.task_policy_json
}

# ECS Exec (var.execute_command): the agent in the task opens its channels through Session
# Manager; who may start a session is decided by ecs:ExecuteCommand on the caller's side.
data "aws_iam_policy_document" "exec" {
  statement {
    sid = "ExecuteCommandChannels"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "exec" {
  count  = var.execute_command ? 1 : 0
  name   = "execute-command"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.exec.json
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.full_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(concat([local.container], local.ready_probe, local.otel_container))
  # Old revisions stay registered so a rollback can point the service back at one.
  skip_destroy = true

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  dynamic "volume" {
    for_each = local.exec_volumes
    content {
      name = volume.value.name
    }
  }
}

resource "aws_security_group" "this" {
  name        = local.full_name
  description = "Tasks of ${local.full_name}"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "from" {
  for_each                     = var.ingress_security_group_ids
  security_group_id            = aws_security_group.this.id
  description                  = "Service port from an allowed security group (the load balancer)"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (through the NAT or the VPC endpoints)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "postgres" {
  count             = var.database_access ? 1 : 0
  security_group_id = aws_security_group.this.id
  description       = "PostgreSQL inside the VPC"
  cidr_ipv4         = var.vpc_cidr_block
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
}

resource "aws_ecs_service" "this" {
  name                               = local.full_name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.autoscaling.min
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.target_group_arn == null ? null : 60
  enable_execute_command             = var.execute_command
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.target_group_arn == null ? [] : [var.target_group_arn]
    content {
      target_group_arn = load_balancer.value
      container_name   = var.service
      container_port   = var.container_port
    }
  }

  lifecycle {
    # Autoscaling owns the running count once the service exists. CD owns which task
    # definition revision runs (deploy/README.md, "Who changes what"): Terraform registers the
    # revisions with its settings, CD puts a new image into the newest one and rolls it out, so
    # a `terraform apply` never swaps the image under a running deployment.
    ignore_changes = [desired_count, task_definition]
  }
}

resource "aws_appautoscaling_target" "this" {
  count              = var.emulated ? 0 : 1
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.autoscaling.min
  max_capacity       = var.autoscaling.max
}

resource "aws_appautoscaling_policy" "cpu" {
  count              = var.autoscaling.cpu_target == null || var.emulated ? 0 : 1
  name               = "${local.full_name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# Backlog per task: visible messages divided by running tasks, kept near messages_per_task.
resource "aws_appautoscaling_policy" "queue" {
  count              = var.autoscaling.queue_name == null || var.emulated ? 0 : 1
  name               = "${local.full_name}-queue-backlog"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.messages_per_task
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    customized_metric_specification {
      metrics {
        id          = "visible"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"
            dimensions {
              name  = "QueueName"
              value = var.autoscaling.queue_name
            }
          }
        }
      }
      metrics {
        id          = "tasks"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = var.cluster_name
            }
            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.this.name
            }
          }
        }
      }
      metrics {
        id          = "backlog_per_task"
        expression  = "visible / IF(tasks > 0, tasks, 1)"
        label       = "Visible messages per running task"
        return_data = true
      }
    }
  }
}
