"""The deployment's operational promises, read from the Terraform (issue 15's defects).

Each test fails on the configuration as it was before the fix it guards. What moto can show
after a real apply (the task definitions, the bucket notification, the ECR lifecycle) is checked
again in infra/moto/test_applied.py.
"""

from terraform_files import TERRAFORM, as_list, nested, of_kind, parse


def module_call(service: str):
    (call,) = [
        m
        for m in of_kind("module")
        if str(m.body.get("source", "")).endswith("/ecs-service") and m.body.get("service") == service
    ]
    return call.body


def resource(type_: str, name: str):
    (found,) = [r for r in of_kind("resource", type_) if r.labels[1] == name]
    return found.body


def statements(document: str) -> dict[str, dict]:
    (doc,) = [d for d in of_kind("data", "aws_iam_policy_document") if d.labels[1] == document]
    return {s.get("sid", ""): s for s in nested(doc.body, "statement")}


def test_presigned_urls_live_no_longer_than_the_task_credentials():
    env = module_call("api")["environment"]
    assert int(env["PRESIGN_MAX_SECONDS"]) <= 3600
    assert int(env["PRESIGN_UPLOAD_MAX_SECONDS"]) <= 3600


def test_the_clearinghouse_gets_its_bucket_events():
    data_vars = {
        k: v for p in (TERRAFORM / "modules/data").glob("variables.tf") for e in parse(p)["variable"]
        for k, v in e.items()
    }
    events = data_vars["object_events"]["default"]
    assert events["clearinghouse"] == {"queue": "clearinghouse-objects", "suffix": ".json"}
    assert "clearinghouse-objects" in data_vars["queues"]["default"]  # so: a DLQ and alarms

    notification = resource("aws_s3_bucket_notification", "this")
    (queue,) = nested(notification, "queue")
    assert queue["events"] == ["s3:ObjectCreated:*"]
    assert queue["filter_suffix"] == "${each.value.suffix}"
    assert "aws_sqs_queue_policy.object_events" in str(notification["depends_on"])

    (policy,) = statements("object_events").values()
    (principal,) = nested(policy, "principals")
    assert principal["identifiers"] == ["s3.amazonaws.com"]
    conditions = {c["variable"]: c["values"] for c in nested(policy, "condition")}
    assert conditions["aws:SourceArn"] == ["${aws_s3_bucket.this[each.key].arn}"]

    consume = statements("clearinghouse")["ConsumeObjectEvents"]
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= set(consume["actions"])
    assert consume["resources"] == ['${local.queues["clearinghouse-objects"]}']
    env = module_call("clearinghouse")["environment"]
    assert env["S3_EVENTS_QUEUE_URL"] == '${module.data.queue_urls["clearinghouse-objects"]}'


def test_the_files_bucket_answers_browsers_from_the_configured_origins():
    cors = resource("aws_s3_bucket_cors_configuration", "this")
    assert "var.cors_origins" in cors["for_each"] and "var.cors_buckets" in cors["for_each"]
    (rule,) = nested(cors, "cors_rule")
    assert rule["allowed_origins"] == "${var.cors_origins}"
    assert {"GET", "PUT", "POST"} <= set(rule["allowed_methods"])
    (ferry,) = [m for m in of_kind("module") if m.labels[0] == "data"]
    assert ferry.body["cors_origins"] == "${var.browser_origins}"


def test_operators_reach_the_clearinghouse_and_the_worker_through_ecs_exec_with_their_tokens():
    for name in ("clearinghouse", "worker"):
        call = module_call(name)
        assert call["execute_command"] is True
        assert "OPERATOR_TOKEN" in call["secrets"]
    tokens = {module_call(s)["secrets"]["OPERATOR_TOKEN"]["arn"] for s in ("clearinghouse", "worker")}
    assert len(tokens) == 2, "each operator API has a token of its own"
    others = [module_call(s) for s in ("api", "ingest-api")]
    assert all(not o.get("execute_command", False) for o in others)
    service = resource("aws_ecs_service", "this")
    assert service["enable_execute_command"] == "${var.execute_command}"
    (channels,) = statements("exec").values()
    assert all(a.startswith("ssmmessages:") for a in channels["actions"])


def test_terraform_leaves_the_running_revision_to_cd():
    service = resource("aws_ecs_service", "this")
    (lifecycle,) = service["lifecycle"]
    assert set(lifecycle["ignore_changes"]) >= {"task_definition", "desired_count"}


def test_prod_requires_an_alarm_subscriber():
    variables = {
        k: v for e in parse(TERRAFORM / "envs/prod/variables.tf")["variable"] for k, v in e.items()
    }
    emails = variables["alarm_emails"]
    assert "default" not in emails
    (validation,) = emails["validation"]
    assert "length(var.alarm_emails) >= 1" in validation["condition"]


def test_every_service_and_database_has_its_alarms():
    (alarms,) = [m for m in of_kind("module") if m.labels[0] == "alarms"]
    assert set(alarms.body["services"]) == {"api", "ingest-api", "worker", "clearinghouse"}
    assert len(as_list(alarms.body["databases"])) == 2
    metrics = {
        name: resource("aws_cloudwatch_metric_alarm", name)
        for name in ("database_cpu", "database_storage", "database_connections")
    }
    assert metrics["database_cpu"]["metric_name"] == "CPUUtilization"
    assert metrics["database_storage"]["metric_name"] == "FreeStorageSpace"
    assert metrics["database_connections"]["metric_name"] == "DatabaseConnections"
    below = resource("aws_cloudwatch_metric_alarm", "tasks_below_desired")
    assert below["for_each"] == "${var.services}"
    queries = {q["id"]: q for q in nested(below, "metric_query")}
    assert queries["missing"]["expression"] == "desired - running"
