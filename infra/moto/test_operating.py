"""What operating envs/dev needs, as the moto apply left it: the WAF in front of the load
balancer and the OpenTelemetry collector sidecars (infra/moto/dev.auto.tfvars turns the sidecars
on; the WAF is on in both environments).

The WAF must be the load balancer's; the collector's configuration is parsed as the collector
would parse it.
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
COLLECTOR = "otel-collector"


@cache
def load_balancer() -> dict[str, str]:
    found = query("elasticloadbalancing", "DescribeLoadBalancers", {"Names.member.1": CLUSTER}, ELB_VERSION)
    (arn,) = texts(found, "LoadBalancerArn")
    groups = query(
        "elasticloadbalancing", "DescribeTargetGroups", {"LoadBalancerArn": arn}, ELB_VERSION
    )
    names = texts(groups, "TargetGroupName")
    arns = texts(groups, "TargetGroupArn")
    suffix = arn.split(":loadbalancer/", 1)[1]
    target_groups = {n.removeprefix(f"{CLUSTER}-"): a.rsplit(":", 1)[1] for n, a in zip(names, arns)}
    return {"arn": arn, "suffix": suffix, **{f"tg:{k}": v for k, v in target_groups.items()}}


@cache
def web_acl() -> dict:
    found = call("wafv2", "GetWebACLForResource", {"ResourceArn": load_balancer()["arn"]})
    return found["WebACL"]


def test_the_load_balancer_is_behind_the_waf():
    acl = web_acl()
    assert acl["Name"] == CLUSTER
    assert acl["DefaultAction"] == {"Allow": {}}


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
    assert sorted(statements["WriteMetrics"]["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
