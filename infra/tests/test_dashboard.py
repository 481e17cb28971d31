"""The dashboard's widgets read the real queues, load balancer and services.

modules/dashboard builds its widgets in HCL (jsonencode'd, no JSON blob), from inputs only; here
each panel is held to the metrics it shows and the input its dimensions come from, and the
environment's call of the module to the outputs of the resources themselves. (After the moto
apply, infra/moto/test_applied.py reads the rendered dashboard back and finds every queue, the
load balancer and its target group in it.)
"""

import re

import pytest
from terraform_files import TERRAFORM, of_kind, parse

DASHBOARD = TERRAFORM / "modules" / "dashboard" / "main.tf"
FERRY = TERRAFORM / "modules" / "ferry"

# Panel title (start) to the metrics it must show and the references its dimensions use.
PANELS = {
    "Ingest requests": ({"RequestCount"}, {"local.ingest"}),
    "Ingest 4xx and 5xx": (
        {"HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count"},
        {"local.ingest"},
    ),
    "Response time p99": ({"TargetResponseTime"}, {"local.lb", "var.target_groups"}),
    "Queue depth": ({"ApproximateNumberOfMessagesVisible"}, {"var.queues"}),
    "Oldest message age": ({"ApproximateAgeOfOldestMessage"}, {"var.queues"}),
    "Dead-letter queues": ({"ApproximateNumberOfMessagesVisible"}, {"var.dead_letter_queues"}),
    "Worker throughput": ({"NumberOfMessagesDeleted"}, {'var.queues["ingest"]'}),
    "Clearinghouse files by status": (
        {"ferry_clearinghouse_files"},
        {"var.metrics_namespace", "var.clearinghouse_service"},
    ),
}

# What the environment passes in, and the resource each output is read from.
INPUTS = {
    "alb_arn_suffix": ("${module.alb.arn_suffix}", "alb", "arn_suffix", "aws_lb.this.arn_suffix"),
    "target_groups": (
        "${module.alb.target_group_arn_suffixes}",
        "alb",
        "target_group_arn_suffixes",
        "aws_lb_target_group.this",
    ),
    "queues": ("${module.data.queue_names}", "data", "queue_names", "aws_sqs_queue.this"),
    "dead_letter_queues": ("${module.data.dlq_names}", "data", "dlq_names", "aws_sqs_queue.dlq"),
    "clearinghouse_service": (
        "${module.clearinghouse.service_name}",
        "ecs-service",
        "service_name",
        "aws_ecs_service.this.name",
    ),
    "web_acl_name": ("${module.alb.web_acl_name}", "alb", "web_acl_name", "aws_wafv2_web_acl.this"),
}


def dashboard_locals() -> dict:
    (found,) = parse(DASHBOARD)["locals"]
    return found


def panels() -> dict[str, str]:
    """Panel title to the text of its definition in the `panels` expression."""
    text = dashboard_locals()["panels"]
    parts = re.split(r'\{title = "', text)[1:]
    return {part.split('"', 1)[0]: part for part in parts}


def output_value(module: str, name: str) -> str:
    (output,) = [
        o
        for o in of_kind("output")
        if o.path.parent.name == module and o.labels[0] == name
    ]
    return str(output.body["value"])


def test_the_dashboard_body_is_built_in_hcl():
    (dashboard,) = of_kind("resource", "aws_cloudwatch_dashboard")
    assert dashboard.body["dashboard_body"] == "${jsonencode({widgets = local.widgets})}"
    assert "local.panels" in dashboard_locals()["widgets"]


@pytest.mark.parametrize("title", sorted(PANELS))
def test_each_panel_shows_its_metrics_from_the_right_input(title):
    (found,) = [text for name, text in panels().items() if name.startswith(title)]
    metrics, references = PANELS[title]
    for metric in metrics:
        assert f'"{metric}"' in found or f"{metric}\\" in found, metric
    for reference in references:
        assert reference in found, reference


def test_the_p99_panel_asks_for_p99():
    (found,) = [text for name, text in panels().items() if name.startswith("Response time p99")]
    assert 'stat = "p99"' in found


def test_the_ingest_dimensions_are_the_ingest_api_target_group_of_the_load_balancer():
    found = dashboard_locals()
    assert found["lb"] == ["LoadBalancer", "${var.alb_arn_suffix}"]
    ingest = '${concat(local.lb, ["TargetGroup", var.target_groups["ingest-api"]])}'
    assert found["ingest"] == ingest


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_the_environment_passes_the_resources_own_names(name):
    (call,) = [m for m in of_kind("module") if m.labels[0] == "dashboard"]
    assert call.path.parent == FERRY
    given, module, output, resource = INPUTS[name]
    assert call.body[name] == given
    assert resource in output_value(module, output)


def test_the_files_panel_searches_the_dimensions_the_collector_sends():
    # The collector sidecar adds `service` to each dimension set of its metric declarations.
    (files,) = [text for name, text in panels().items() if name.startswith("Clearinghouse files")]
    assert "{${var.metrics_namespace},service,status}" in files
    (declarations,) = [
        v for v in of_kind("variable") if v.labels[0] == "metrics_declarations"
    ]
    wanted = {"metric_name_selectors": ["^ferry_clearinghouse_files"], "dimensions": [["status"]]}
    assert wanted in declarations.body["default"]
    telemetry = (TERRAFORM / "modules" / "ecs-service" / "telemetry.tf").read_text()
    assert 'concat(["service"], labels)' in telemetry


def test_the_dashboard_and_the_collectors_share_one_namespace():
    calls = [m for m in of_kind("module") if m.path.parent == FERRY]
    users = [m for m in calls if "metrics_namespace" in m.body]
    assert {m.labels[0] for m in users} == {
        "dashboard",
        "api",
        "ingest_api",
        "worker",
        "clearinghouse",
    }
    assert {m.body["metrics_namespace"] for m in users} == {"${local.metrics_namespace}"}
