"""What operating envs/dev needs, as the moto apply left it: the WAF in front of the load
balancer (on in both environments) must be the load balancer's, with its rules and logging.
"""

from functools import cache

import pytest

from moto_client import ENDPOINT, call, query, texts
from test_applied import CLUSTER

pytestmark = pytest.mark.skipif(not ENDPOINT, reason="FERRY_MOTO_ENDPOINT is not set")

ELB_VERSION = "2015-12-01"


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
