# One CloudWatch dashboard per environment: what an operator looks at first. Ingest rate, its 4xx
# and 5xx and the p99 response time from the load balancer; depth and oldest message age of every
# work queue, the dead-letter queues, the worker's throughput (what it deletes from the ingest
# queue, beside what arrives); the clearinghouse's files by status, a metric the collector
# sidecar (modules/ecs-service, otel_collector) scrapes from /metrics into var.metrics_namespace,
# so that widget stays empty while the sidecar is off; and, with a WAF, what it blocked.
# Every dimension comes from the resources themselves (the caller passes their outputs), so a
# renamed queue or a new load balancer never leaves a widget pointing at nothing.

data "aws_region" "current" {}

locals {
  region     = data.aws_region.current.id
  lb         = ["LoadBalancer", var.alb_arn_suffix]
  ingest     = concat(local.lb, ["TargetGroup", var.target_groups["ingest-api"]])
  queue_keys = sort(keys(var.queues))
  dlq_keys   = sort(keys(var.dead_letter_queues))

  # Each widget's place follows from its position in this list: three across, in rows.
  panels = concat([
    {
      title = "Ingest requests (ingest-api)"
      stat  = "Sum"
      metrics = [
        concat(["AWS/ApplicationELB", "RequestCount"], local.ingest, [{ label = "requests" }]),
      ]
    },
    {
      title = "Ingest 4xx and 5xx"
      stat  = "Sum"
      metrics = [
        concat(["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count"], local.ingest, [{ label = "4xx (ingest-api)" }]),
        concat(["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"], local.ingest, [{ label = "5xx (ingest-api)" }]),
        concat(["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"], local.lb, [{ label = "5xx (load balancer itself)" }]),
      ]
    },
    {
      title = "Response time p99 (seconds)"
      stat  = "p99"
      metrics = [
        for service in sort(keys(var.target_groups)) : concat(
          ["AWS/ApplicationELB", "TargetResponseTime"],
          local.lb,
          ["TargetGroup", var.target_groups[service], { label = service }],
        )
      ]
    },
    {
      title = "Queue depth (visible messages)"
      stat  = "Maximum"
      metrics = [
        for k in local.queue_keys :
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queues[k], { label = k }]
      ]
    },
    {
      title = "Oldest message age (seconds)"
      stat  = "Maximum"
      metrics = [
        for k in local.queue_keys :
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.queues[k], { label = k }]
      ]
    },
    {
      title = "Dead-letter queues (messages)"
      stat  = "Maximum"
      metrics = [
        for k in local.dlq_keys :
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dead_letter_queues[k], { label = k }]
      ]
    },
    {
      title = "Worker throughput (ingest queue)"
      stat  = "Sum"
      metrics = [
        ["AWS/SQS", "NumberOfMessagesDeleted", "QueueName", var.queues["ingest"], { label = "processed (deleted)" }],
        ["AWS/SQS", "NumberOfMessagesSent", "QueueName", var.queues["ingest"], { label = "arrived (sent)" }],
      ]
    },
    {
      # A search, so each status the clearinghouse reports gets its line without being listed
      # here; a gauge every task reports alike, hence Maximum.
      title = "Clearinghouse files by status"
      stat  = "Maximum"
      metrics = [[{
        id         = "files"
        label      = ""
        expression = "SEARCH('{${var.metrics_namespace},service,status} MetricName=\"ferry_clearinghouse_files\" service=\"${var.clearinghouse_service}\"', 'Maximum', ${var.period_seconds})"
      }]]
    },
    ], var.web_acl_name == null ? [] : [
    {
      title = "WAF blocked requests"
      stat  = "Sum"
      metrics = [
        ["AWS/WAFV2", "BlockedRequests", "WebACL", var.web_acl_name, "Region", local.region, "Rule", "ALL", { label = "blocked" }],
        ["AWS/WAFV2", "AllowedRequests", "WebACL", var.web_acl_name, "Region", local.region, "Rule", "ALL", { label = "allowed" }],
      ]
    },
  ])

  widgets = [
    for i, panel in local.panels : {
      type   = "metric"
      x      = (i % 3) * 8
      y      = floor(i / 3) * 6
      width  = 8
      height = 6
      properties = {
        title   = panel.title
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = var.period_seconds
        stat    = panel.stat
        metrics = panel.metrics
      }
    }
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = local.widgets })
}
