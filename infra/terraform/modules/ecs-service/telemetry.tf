# The optional OpenTelemetry collector sidecar (var.otel_collector): the AWS Distro for
# OpenTelemetry collector beside the app, in the task's network namespace. It receives the app's
# traces over OTLP/HTTP on 127.0.0.1:4318 (the app gets OTEL_EXPORTER_OTLP_ENDPOINT) and sends
# them to X-Ray; it scrapes the app's own Prometheus /metrics every minute and writes the metrics
# var.metrics_declarations names to CloudWatch, namespace var.metrics_namespace, as embedded
# metric format (EMF) events in a log group of its own. Every metric gets a `service` dimension,
# the ECS service name, so environments sharing an account stay apart. Non-essential: a collector
# that fails never stops the service, but its health check (the image's /healthcheck against the
# health_check extension) makes CD's smoke test, which wants every container HEALTHY, notice.
# Its configuration is plain YAML in AOT_CONFIG_CONTENT, the variable the image reads it from.

locals {
  otel_name        = "otel-collector"
  otel_endpoint    = "127.0.0.1:4318"
  metrics_group    = "/ferry/${var.name_prefix}/${var.service}/metrics"
  otel_environment = var.otel_collector ? { OTEL_EXPORTER_OTLP_ENDPOINT = "http://localhost:4318" } : {}
  otel_processors  = ["memory_limiter", "resourcedetection", "batch"]
  otel_config = {
    extensions = {
      health_check = { endpoint = "127.0.0.1:13133" }
    }
    receivers = {
      otlp = { protocols = { http = { endpoint = local.otel_endpoint } } }
      prometheus = {
        config = {
          scrape_configs = [{
            job_name        = var.service
            scrape_interval = "60s"
            metrics_path    = "/metrics"
            static_configs = [{
              targets = ["127.0.0.1:${var.container_port}"]
              labels  = { service = local.full_name }
            }]
          }]
        }
      }
    }
    processors = {
      # Well below what the app needs: the collector shares the task's memory.
      memory_limiter = { check_interval = "1s", limit_mib = 96, spike_limit_mib = 24 }
      # The task's id names the EMF log stream; cluster, family and task ARN go on every span.
      resourcedetection = { detectors = ["env", "ecs"], timeout = "2s", override = false }
      batch             = {}
    }
    exporters = {
      awsxray = { region = local.region }
      awsemf = {
        region                  = local.region
        namespace               = var.metrics_namespace
        log_group_name          = local.metrics_group
        log_stream_name         = "{TaskId}"
        dimension_rollup_option = "NoDimensionRollup"
        # Only these become CloudWatch metrics (each one costs); the rest stays in the EMF log.
        metric_declarations = [
          for d in var.metrics_declarations : {
            metric_name_selectors = d.metric_name_selectors
            dimensions            = [for labels in d.dimensions : concat(["service"], labels)]
          }
        ]
      }
    }
    service = {
      extensions = ["health_check"]
      pipelines = {
        traces  = { receivers = ["otlp"], processors = local.otel_processors, exporters = ["awsxray"] }
        metrics = { receivers = ["prometheus"], processors = local.otel_processors, exporters = ["awsemf"] }
      }
    }
  }
  otel_container = var.otel_collector ? [{
    name                   = local.otel_name
    image                  = var.otel_collector_image
    essential              = false
    readonlyRootFilesystem = true
    environment            = [{ name = "AOT_CONFIG_CONTENT", value = yamlencode(local.otel_config) }]
    healthCheck = {
      command     = ["CMD", "/healthcheck"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 15
    }
    logConfiguration = local.log_configuration
  }] : []
}

resource "aws_cloudwatch_log_group" "metrics" {
  # checkov:skip=CKV_AWS_338: EMF events only carry the metrics to CloudWatch, which keeps the metrics themselves 15 months
  count             = var.otel_collector ? 1 : 0
  name              = local.metrics_group
  retention_in_days = 7
  kms_key_id        = var.kms_key_arn
}

# X-Ray's write actions have no resource-level permissions; the metrics go to this service's
# own EMF log group only (created here, so the collector never needs logs:CreateLogGroup).
data "aws_iam_policy_document" "telemetry" {
  count = var.otel_collector ? 1 : 0
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
  statement {
    sid       = "WriteMetrics"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.metrics[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "telemetry" {
  count  = var.otel_collector ? 1 : 0
  name   = "telemetry"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.telemetry[0].json
}
