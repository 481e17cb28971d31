"""What operating envs/dev needs, as the moto apply left it: the dashboard, the WAF in front of
the load balancer and the OpenTelemetry collector sidecars (infra/moto/dev.auto.tfvars turns the
sidecars on; the WAF is on in both environments).

The dashboard is read back rendered, so every queue, the load balancer and its target groups it
names must be the ones that exist; the WAF must be the load balancer's; the collector's
configuration is parsed as the collector would parse it.
"""

import json
from functools import cache
from urllib.parse import unquote

import pytest
import yaml

from moto_client import ENDPOINT, call, query, texts
from test_applied import CLUSTER, SERVICES, container, environment, service_description

pytestmark = pytest.mark.skipif(not ENDPOINT, reason="FERRY_MOTO_ENDPOINT is not set")

ELB_VERSION = "2015-12-01"
QUEUE_KEYS = ("ingest", "events", "clearinghouse-objects")
COLLECTOR = "otel-collector"


@cache
def dashboard() -> list[dict]:
    found = query("monitoring", "GetDashboard", {"DashboardName": CLUSTER}, "2010-08-01")
    return json.loads(texts(found, "DashboardBody")[0])["widgets"]


def widget(title: str) -> dict:
    (found,) = [w["properties"] for w in dashboard() if w["properties"]["title"].startswith(title)]
    return found


def dimensions(row: list) -> dict[str, str]:
    """A metric row [namespace, name, dimension, value, …, {options}] as its dimensions."""
    pairs = [item for item in row[2:] if isinstance(item, str)]
    return dict(zip(pairs[::2], pairs[1::2], strict=True))


def rows(title: str, metric: str) -> list[dict[str, str]]:
    return [dimensions(r) for r in widget(title)["metrics"] if r[1:2] == [metric]]


@cache
def load_balancer() -> dict[str, str]:
    found = query(
        "elasticloadbalancing", "DescribeLoadBalancers", {"Names.member.1": CLUSTER}, ELB_VERSION
    )
    (arn,) = texts(found, "LoadBalancerArn")
    groups = query(
        "elasticloadbalancing", "DescribeTargetGroups", {"LoadBalancerArn": arn}, ELB_VERSION
    )
    names = texts(groups, "TargetGroupName")
    arns = texts(groups, "TargetGroupArn")
    suffix = arn.split(":loadbalancer/", 1)[1]
    target_groups = {
        n.removeprefix(f"{CLUSTER}-"): a.rsplit(":", 1)[1] for n, a in zip(names, arns, strict=True)
    }
    return {"arn": arn, "suffix": suffix, **{f"tg:{k}": v for k, v in target_groups.items()}}


def queue_name(key: str) -> str:
    found = call("sqs", "GetQueueUrl", {"QueueName": f"{CLUSTER}-{key}"})["QueueUrl"]
    return found.rsplit("/", 1)[1]


def test_the_ingest_widgets_read_the_ingest_api_target_group_of_the_load_balancer():
    lb = load_balancer()
    wanted = {"LoadBalancer": lb["suffix"], "TargetGroup": lb["tg:ingest-api"]}
    assert rows("Ingest requests", "RequestCount") == [wanted]
    for metric in ("HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count"):
        assert rows("Ingest 4xx and 5xx", metric) == [wanted], metric


def test_the_p99_widget_covers_each_target_group():
    p99 = widget("Response time p99")
    assert p99["stat"] == "p99"
    found = rows("Response time p99", "TargetResponseTime")
    groups = {k: v for k, v in load_balancer().items() if k.startswith("tg:")}
    assert sorted(r["TargetGroup"] for r in found) == sorted(groups.values())
    assert {r["LoadBalancer"] for r in found} == {load_balancer()["suffix"]}


@pytest.mark.parametrize(
    "title,metric",
    [
        ("Queue depth", "ApproximateNumberOfMessagesVisible"),
        ("Oldest message age", "ApproximateAgeOfOldestMessage"),
    ],
)
def test_every_work_queue_has_its_depth_and_age(title, metric):
    found = sorted(r["QueueName"] for r in rows(title, metric))
    assert found == sorted(queue_name(k) for k in QUEUE_KEYS)


def test_every_dead_letter_queue_has_its_depth():
    depths = rows("Dead-letter queues", "ApproximateNumberOfMessagesVisible")
    found = sorted(r["QueueName"] for r in depths)
    assert found == sorted(queue_name(f"{k}-dlq") for k in QUEUE_KEYS)


def test_worker_throughput_is_what_leaves_the_ingest_queue():
    deleted = rows("Worker throughput", "NumberOfMessagesDeleted")
    assert deleted == [{"QueueName": queue_name("ingest")}]


def test_the_files_widget_searches_the_clearinghouse_services_metrics():
    ((search,),) = widget("Clearinghouse files by status")["metrics"]
    service = service_description("clearinghouse")["serviceName"]
    assert search["expression"].startswith("SEARCH('{ferry,service,status} ")
    assert 'MetricName="ferry_clearinghouse_files"' in search["expression"]
    assert f'service="{service}"' in search["expression"]


@cache
def web_acl() -> dict:
    found = call("wafv2", "GetWebACLForResource", {"ResourceArn": load_balancer()["arn"]})
    return found["WebACL"]


def test_the_load_balancer_is_behind_the_waf_and_the_dashboard_shows_it():
    acl = web_acl()
    assert acl["Name"] == CLUSTER
    assert acl["DefaultAction"] == {"Allow": {}}
    blocked = rows("WAF blocked requests", "BlockedRequests")
    assert blocked == [{"WebACL": CLUSTER, "Region": "us-east-1", "Rule": "ALL"}]


def test_the_waf_limits_each_client_ip_and_runs_the_managed_rule_sets():
    rules = {r["Name"]: r for r in web_acl()["Rules"]}
    rate = rules["rate-per-ip"]["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP" and rate["Limit"] >= 100
    assert rules["rate-per-ip"]["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    groups = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules.values()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert groups == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    for rule in rules.values():
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True, rule["Name"]
        assert rule["VisibilityConfig"]["SampledRequestsEnabled"] is True, rule["Name"]


def test_the_waf_logs_without_the_authorization_header():
    found = call("wafv2", "GetLoggingConfiguration", {"ResourceArn": web_acl()["ARN"]})
    logging = found["LoggingConfiguration"]
    (destination,) = logging["LogDestinationConfigs"]
    assert destination.split(":log-group:", 1)[1].startswith("aws-waf-logs-")
    assert {"SingleHeader": {"Name": "authorization"}} in logging["RedactedFields"]


def collector(service: str) -> dict:
    family = f"{CLUSTER}-{service}"
    definition = call("ecs", "DescribeTaskDefinition", {"taskDefinition": family})["taskDefinition"]
    (found,) = [c for c in definition["containerDefinitions"] if c["name"] == COLLECTOR]
    return found


def collector_config(service: str) -> dict:
    env = {e["name"]: e["value"] for e in collector(service)["environment"]}
    return yaml.safe_load(env["AOT_CONFIG_CONTENT"])


@pytest.mark.parametrize("service", SERVICES)
def test_the_app_sends_traces_to_the_collector_beside_it(service):
    assert environment(service)["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4318"
    sidecar = collector(service)
    assert sidecar["image"].startswith("public.ecr.aws/aws-observability/aws-otel-collector:v")
    assert sidecar["essential"] is False
    assert sidecar["healthCheck"]["command"] == ["CMD", "/healthcheck"]
    config = collector_config(service)
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "127.0.0.1:4318"
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["awsxray"]
    assert config["service"]["extensions"] == ["health_check"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_collector_scrapes_the_apps_metrics_into_the_ferry_namespace(service):
    config = collector_config(service)
    (scrape,) = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    (target,) = scrape["static_configs"]
    port = container(service)["portMappings"][0]["containerPort"]
    assert scrape["metrics_path"] == "/metrics" and target["targets"] == [f"127.0.0.1:{port}"]
    assert target["labels"] == {"service": service_description(service)["serviceName"]}
    emf = config["exporters"]["awsemf"]
    assert emf["namespace"] == "ferry"
    groups = call("logs", "DescribeLogGroups", {"logGroupNamePrefix": emf["log_group_name"]})
    assert [g["logGroupName"] for g in groups["logGroups"]] == [emf["log_group_name"]]
    assert config["service"]["pipelines"]["metrics"]["exporters"] == ["awsemf"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_task_role_may_write_traces_and_its_own_metrics_log_group_only(service):
    role = f"{CLUSTER}-{service}-task"
    found = query(
        "iam", "GetRolePolicy", {"RoleName": role, "PolicyName": "telemetry"}, "2010-05-08"
    )
    statements = {
        s["Sid"]: s for s in json.loads(unquote(texts(found, "PolicyDocument")[0]))["Statement"]
    }
    assert set(statements) == {"WriteTraces", "WriteMetrics"}
    assert sorted(statements["WriteTraces"]["Action"]) == [
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ]
    group = collector_config(service)["exporters"]["awsemf"]["log_group_name"]
    resource = statements["WriteMetrics"]["Resource"]
    assert resource.endswith(f":log-group:{group}:*")
    actions = sorted(statements["WriteMetrics"]["Action"])
    assert actions == ["logs:CreateLogStream", "logs:PutLogEvents"]
