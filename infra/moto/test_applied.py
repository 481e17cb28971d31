"""What `terraform apply` of envs/dev left in moto gives each service what its config wants.

Run by .ci/terraform-moto.sh after the apply (FERRY_MOTO_ENDPOINT names the moto_server). For
each service it reads back the task definition ECS holds, resolves its secrets from SSM and
Secrets Manager, and holds the result to the service's src/config.ts: the names through
infra/tests/test_service_env.py's `problems` (the same rules as the static test), the values by
loading them with the service's own loadConfig in Node. Then the resources the settings name
must exist, and the defects of issue 15 stay fixed (presign expiry, S3 events, operator access,
CORS).
"""

import fnmatch
import json
import os
import subprocess
from functools import cache

import pytest
from urllib.parse import unquote

from moto_client import ENDPOINT, call, find_all, query, s3_get, texts
from test_service_env import REPO, SERVICES, node, problems

ENV = "dev"
CLUSTER = f"ferry-{ENV}"
BUCKET_SETTINGS = ("S3_BUCKET", "S3_BUCKET_NAME", "FILES_BUCKET")
# infra/moto/dev.auto.tfvars, with which .ci/terraform-moto.sh applies envs/dev.
BROWSER_ORIGIN = "https://app.example.test"

pytestmark = pytest.mark.skipif(not ENDPOINT, reason="FERRY_MOTO_ENDPOINT is not set")

LOAD_CONFIG = """
const [service, envJson] = process.argv.slice(1)
const module = await import(`./services/${service}/src/config.ts`)
const { loadConfig } = await import('./packages/kit/src/config.ts')
const env = JSON.parse(envJson)
const config = module.loadSettings ? module.loadSettings({ env }) : loadConfig(module.Config, { env })
// Rules the schema cannot state, each a function returning the setting or an issue.
for (const rule of ['authSetting', 'filesSetting']) {
  const result = module[rule]?.(config)
  if (result && 'reason' in result) throw new Error(`${rule}: ${result.name} ${result.reason}`)
}
console.log('ok')
"""


@cache
def container(service: str) -> dict:
    family = f"{CLUSTER}-{service}"
    definition = call("ecs", "DescribeTaskDefinition", {"taskDefinition": family})
    # The app's container (a task may also hold its readiness probe, which shares the image).
    (app,) = [c for c in definition["taskDefinition"]["containerDefinitions"] if c["name"] == service]
    return app


def environment(service: str) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(service).get("environment", [])}


def secret_value(value_from: str) -> str:
    """ECS's valueFrom: an SSM parameter ARN, or a secret ARN with `:json_key::` appended."""
    if ":ssm:" in value_from:
        name = value_from.split(":parameter", 1)[1]
        parameter = call("ssm", "GetParameter", {"Name": name, "WithDecryption": True})
        return parameter["Parameter"]["Value"]
    parts = value_from.split(":")
    arn, json_key = ":".join(parts[:7]), (parts[7] if len(parts) > 7 else "")
    secret = call("secretsmanager", "GetSecretValue", {"SecretId": arn})["SecretString"]
    return json.loads(secret)[json_key] if json_key else secret


@cache
def secrets(service: str) -> dict[str, str]:
    return {s["name"]: secret_value(s["valueFrom"]) for s in container(service).get("secrets", [])}


def queue_attributes(url: str) -> dict[str, str]:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    found = call("sqs", "GetQueueUrl", {"QueueName": name})["QueueUrl"]
    return call("sqs", "GetQueueAttributes", {"QueueUrl": found, "AttributeNames": ["All"]})[
        "Attributes"
    ]


def service_description(service: str) -> dict:
    described = call(
        "ecs", "DescribeServices", {"cluster": CLUSTER, "services": [f"{CLUSTER}-{service}"]}
    )
    (only,) = described["services"]
    return only


@pytest.mark.parametrize("service", SERVICES)
def test_the_task_definition_sets_what_the_config_requires_and_nothing_else(service):
    names = set(environment(service)) | {s["name"] for s in container(service).get("secrets", [])}
    assert problems(service, names) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_loads_its_config_from_the_task_definition(service):
    env = {**environment(service), **secrets(service)}
    result = subprocess.run(
        [node(), "--input-type=module", "-e", LOAD_CONFIG, service, json.dumps(env)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("service", SERVICES)
def test_the_queues_and_buckets_the_settings_name_exist(service):
    env = environment(service)
    for name, value in env.items():
        if name.endswith("_QUEUE_URL"):
            assert queue_attributes(value)["QueueArn"], name
        if name in BUCKET_SETTINGS:
            s3_get(value, "location")
        if name == "SSM_TOKEN_PARAM":
            call("ssm", "GetParameter", {"Name": value, "WithDecryption": True})


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_runs_the_task_definition_terraform_registered(service):
    described = service_description(service)
    assert described["taskDefinition"].split("/")[-1].startswith(f"{CLUSTER}-{service}:")


def test_presigned_urls_live_no_longer_than_the_task_credentials():
    env = environment("api")
    assert int(env["PRESIGN_MAX_SECONDS"]) <= 3600
    assert int(env["PRESIGN_UPLOAD_MAX_SECONDS"]) <= 3600


def test_new_json_objects_reach_the_clearinghouse_as_events():
    env = environment("clearinghouse")
    queue = queue_attributes(env["S3_EVENTS_QUEUE_URL"])
    assert json.loads(queue["RedrivePolicy"])["deadLetterTargetArn"].endswith("-dlq")
    (statement,) = json.loads(queue["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    bucket_arn = f"arn:aws:s3:::{env['S3_BUCKET']}"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == bucket_arn

    notification = s3_get(env["S3_BUCKET"], "notification")
    (configuration,) = find_all(notification, "QueueConfiguration")
    assert texts(configuration, "Queue") == [queue["QueueArn"]]
    assert texts(configuration, "Event") == ["s3:ObjectCreated:*"]
    rules = dict(zip(texts(configuration, "Name"), texts(configuration, "Value"), strict=True))
    assert rules == {"suffix": ".json"}


def test_browsers_may_use_presigned_urls_of_the_files_bucket():
    cors = s3_get(environment("api")["FILES_BUCKET"], "cors")
    (rule,) = find_all(cors, "CORSRule")
    assert texts(rule, "AllowedOrigin") == [BROWSER_ORIGIN]
    assert {"GET", "PUT", "POST"} <= set(texts(rule, "AllowedMethod"))



# CD's smoke test (deploy/ecs-deploy.sh smoke) proves a service ready by every container of its
# tasks being HEALTHY; for the worker and the clearinghouse, which no load balancer reaches, the
# readiness probe container is the only thing that calls /ready.
@pytest.mark.parametrize("service", SERVICES)
def test_every_task_runs_the_readiness_probe_the_smoke_test_reads(service):
    definition = call("ecs", "DescribeTaskDefinition", {"taskDefinition": f"{CLUSTER}-{service}"})
    (probe,) = [c for c in definition["taskDefinition"]["containerDefinitions"] if c["name"] == "ready"]
    app = container(service)
    assert probe["essential"] is False  # a dependency outage must not restart the task
    assert probe["image"] == app["image"]  # so CD's image change reaches it too
    port = app["portMappings"][0]["containerPort"]
    command = " ".join(probe["healthCheck"]["command"])
    assert f"http://127.0.0.1:{port}/ready" in command, command

@pytest.mark.parametrize("service", SERVICES)
def test_an_init_process_runs_as_pid_1_of_every_app_container(service):
    assert container(service)["linuxParameters"]["initProcessEnabled"] is True


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_services_with_an_operator_api_accept_ecs_exec(service):
    enabled = service_description(service).get("enableExecuteCommand", False)
    assert enabled is (service in ("clearinghouse", "worker"))


@pytest.mark.parametrize("service", ["clearinghouse", "worker"])
def test_an_operator_api_requires_a_token(service):
    assert len(secrets(service)["OPERATOR_TOKEN"]) >= 32
    mounts = {m["containerPath"] for m in container(service)["mountPoints"]}
    assert {"/var/lib/amazon", "/var/log/amazon"} <= mounts  # ECS Exec's agent, read-only root


def test_deployed_images_never_expire():
    policy = call("ecr", "GetLifecyclePolicy", {"repositoryName": "ferry/api"})
    rules = sorted(json.loads(policy["lifecyclePolicyText"])["rules"], key=lambda r: r["rulePriority"])
    deployed = [r for r in rules if r["selection"].get("tagPrefixList") == ["deployed-"]]
    (protect,) = deployed
    count_any = [r for r in rules if r["selection"]["tagStatus"] == "any"]
    assert count_any and protect["rulePriority"] < min(r["rulePriority"] for r in count_any)
    assert protect["selection"]["countType"] == "imageCountMoreThan"
    assert protect["selection"]["countNumber"] >= 1000


@pytest.mark.parametrize("env,other", [("dev", "prod"), ("prod", "dev")])
def test_each_environment_has_a_cd_role_that_reaches_only_it(env, other):
    role = f"ferry-github-cd-{env}"
    found = query("iam", "GetRole", {"RoleName": role}, "2010-05-08")
    trust = json.loads(unquote(texts(found, "AssumeRolePolicyDocument")[0]))
    (statement,) = trust["Statement"]
    subject = statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert subject == f"repo:ferry-ci/ferry:environment:{env}"
    inline = query(
        "iam", "GetRolePolicy", {"RoleName": role, "PolicyName": "deploy-services"}, "2010-05-08"
    )
    document = unquote(texts(inline, "PolicyDocument")[0])
    assert f"ferry-{env}" in document
    assert f"ferry-{other}" not in document and f"ferry/{other}/" not in document



def cd_statements(env: str) -> dict[str, dict]:
    inline = query(
        "iam", "GetRolePolicy", {"RoleName": f"ferry-github-cd-{env}", "PolicyName": "deploy-services"},
        "2010-05-08",
    )
    document = json.loads(unquote(texts(inline, "PolicyDocument")[0]))
    return {s["Sid"]: s for s in document["Statement"]}


def allows(patterns, arn: str) -> bool:
    """Whether an IAM resource pattern (or list of them) matches the ARN (`*` and `?` wildcards)."""
    patterns = [patterns] if isinstance(patterns, str) else patterns
    return any(fnmatch.fnmatchcase(arn, p) for p in patterns)


# The names CD's role policy builds (bootstrap's modules/github-oidc) must be the names envs/dev
# really gave its cluster, services, task definitions, roles and deploy parameters: a pattern
# that matched nothing would leave CD unable to deploy on AWS, which moto does not enforce.
@pytest.mark.parametrize("service", SERVICES)
def test_the_dev_cd_role_reaches_every_dev_resource_cd_touches_and_prod_reaches_none(service):
    definition = call("ecs", "DescribeTaskDefinition", {"taskDefinition": f"{CLUSTER}-{service}"})[
        "taskDefinition"
    ]
    service_arn = service_description(service)["serviceArn"]
    (cluster_arn,) = [
        c["clusterArn"] for c in call("ecs", "DescribeClusters", {"clusters": [CLUSTER]})["clusters"]
    ]
    parameter_arns = [
        call("ssm", "GetParameter", {"Name": f"/ferry/{ENV}/deploy/{name}"})["Parameter"]["ARN"]
        for name in (f"image-tag/{service}", "base-url")
    ]
    wanted = {
        "DeployServices": [service_arn],
        "ReadServices": [service_arn],
        "ReadClusters": [cluster_arn],
        "PassTaskRoles": [definition["taskRoleArn"], definition["executionRoleArn"]],
        "ReadDeployedTagsAndUrls": parameter_arns,
    }
    for env, reaches in (("dev", True), ("prod", False)):
        statements = cd_statements(env)
        for sid, arns in wanted.items():
            for arn in arns:
                assert allows(statements[sid]["Resource"], arn) is reaches, (env, sid, arn)
        condition = statements["DeployServices"]["Condition"]["ArnLike"]["ecs:task-definition"]
        assert allows(condition, definition["taskDefinitionArn"]) is reaches, (env, condition)
        listing = statements["ListServiceTasks"]["Condition"]["ArnEquals"]["ecs:cluster"]
        assert allows(listing, cluster_arn) is reaches, (env, listing)


def test_every_service_and_database_alarms():
    found = query("monitoring", "DescribeAlarms", {"MaxRecords": "100"}, "2010-08-01")
    names = set(texts(found, "AlarmName"))
    for service in SERVICES:
        assert f"{CLUSTER}-{service}-tasks-below-desired" in names
    for database in ("api", "clearinghouse"):
        for kind in ("cpu", "free-storage", "connections"):
            assert f"{CLUSTER}-{database}-{kind}" in names
    assert f"{CLUSTER}-clearinghouse-objects-dlq-not-empty" in names


# Last, because it deploys: CD's way (a new revision with another image, the service updated,
# the tag recorded), then a `terraform plan` must leave every service alone.
def test_terraform_leaves_a_service_on_the_revision_cd_deployed():
    root = os.environ.get("FERRY_TF_DEV_ROOT")
    if not root:
        pytest.skip("FERRY_TF_DEV_ROOT (the applied envs/dev) is not set")
    family = f"{CLUSTER}-worker"
    current = call("ecs", "DescribeTaskDefinition", {"taskDefinition": family})["taskDefinition"]
    kept = ("family", "containerDefinitions", "cpu", "memory", "networkMode", "volumes")
    kept += ("requiresCompatibilities", "executionRoleArn", "taskRoleArn", "runtimePlatform")
    revision = {k: current[k] for k in kept if k in current}
    # As deploy/ecs-deploy.sh does: every container of the service's image (the app and its
    # probe) gets the new tag; the collector sidecar keeps its pinned image.
    repository = container("worker")["image"].rsplit(":", 1)[0]
    for each in revision["containerDefinitions"]:
        if each["image"].startswith(repository + ":"):
            each["image"] = repository + ":sha-cd00001"
    arn = call("ecs", "RegisterTaskDefinition", revision)["taskDefinition"]["taskDefinitionArn"]
    call("ecs", "UpdateService", {"cluster": CLUSTER, "service": family, "taskDefinition": arn})
    call(
        "ssm",
        "PutParameter",
        {"Name": f"/ferry/{ENV}/deploy/image-tag/worker", "Value": "sha-cd00001",
         "Type": "String", "Overwrite": True},
    )

    plan = os.path.join(root, "cd.tfplan")
    subprocess.run(
        ["terraform", f"-chdir={root}", "plan", "-no-color", "-input=false", f"-out={plan}"],
        check=True, capture_output=True, text=True, timeout=600,
    )
    shown = subprocess.run(
        ["terraform", f"-chdir={root}", "show", "-json", plan],
        check=True, capture_output=True, text=True, timeout=120,
    )
    changes = [
        c["address"]
        for c in json.loads(shown.stdout).get("resource_changes", [])
        if c["type"] == "aws_ecs_service" and c["change"]["actions"] != ["no-op"]
    ]
    assert changes == []
    assert service_description("worker")["taskDefinition"] == arn
