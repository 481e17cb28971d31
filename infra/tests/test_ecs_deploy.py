"""deploy/ecs-deploy.sh against a fake `aws` (fake_aws.py) and a fake `curl` on PATH.

What CD relies on: `release` deploys, smoke-tests and only then records the tags (so prod gets
only pairs that passed dev's smoke test), and the smoke test fails while any task of any service
is not ready (its readiness-probe container, which GETs /ready, is not HEALTHY).
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from terraform_files import REPO

SCRIPT = REPO / "deploy" / "ecs-deploy.sh"
SERVICES = ["api", "ingest-api", "worker", "clearinghouse"]
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
BASE_URL = "http://ferry-dev.example"

FAKE_CURL = """#!/bin/sh
for url; do :; done
echo "curl $url" >>"$FAKE_AWS_LOG"
case "$url" in *"${FAKE_CURL_FAIL:-never}") exit 22 ;; esac
"""


def initial_state() -> dict:
    state: dict = {
        "parameters": {f"/ferry/dev/deploy/image-tag/{s}": "sha-old" for s in SERVICES},
        "images": {f"ferry/{s}": ["sha-old", "sha-new"] for s in SERVICES},
        "task_definitions": {},
        "services": {},
    }
    state["parameters"]["/ferry/dev/deploy/base-url"] = BASE_URL
    for s in SERVICES:
        family = f"ferry-dev-{s}"
        image = f"{REGISTRY}/ferry/{s}:sha-old"
        state["task_definitions"][family] = {
            "family": family,
            "revision": 1,
            "taskDefinitionArn": f"arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:1",
            "containerDefinitions": [{"name": s, "image": image}, {"name": "ready", "image": image}],
        }
        state["services"][family] = {
            "desiredCount": 1,
            "runningCount": 1,
            "taskDefinition": state["task_definitions"][family]["taskDefinitionArn"],
            "rolloutState": "COMPLETED",
        }
    return state


@pytest.fixture
def aws(tmp_path):
    if shutil.which("jq") is None:
        pytest.fail("jq must be on PATH (.ci/static-checks.sh installs it)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{REPO}/infra/tests/fake_aws.py" "$@"\n')
    (bin_dir / "curl").write_text(FAKE_CURL)
    for tool in ("aws", "curl"):
        (bin_dir / tool).chmod(0o755)
    state_file, log_file = tmp_path / "state.json", tmp_path / "calls.log"
    state_file.write_text(json.dumps(initial_state()))
    log_file.write_text("")

    class Fake:
        def update(self, change) -> None:
            state = json.loads(state_file.read_text())
            change(state)
            state_file.write_text(json.dumps(state))

        @property
        def state(self) -> dict:
            return json.loads(state_file.read_text())

        @property
        def calls(self) -> list[str]:
            return log_file.read_text().splitlines()

        def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                ["bash", str(SCRIPT), *args],
                capture_output=True,
                text=True,
                timeout=60,
                env={
                    "PATH": f"{bin_dir}:{os.environ['PATH']}",
                    "FAKE_AWS_STATE": str(state_file),
                    "FAKE_AWS_LOG": str(log_file),
                    "ECR_REGISTRY": REGISTRY,
                    "POLL_SECONDS": "0",
                    "SMOKE_SECONDS": "2",
                    **env,
                },
            )

    return Fake()


def first(calls: list[str], prefix: str) -> int:
    return next(i for i, c in enumerate(calls) if c.startswith(prefix))


def last(calls: list[str], prefix: str) -> int:
    return max(i for i, c in enumerate(calls) if c.startswith(prefix))


def recorded(aws) -> dict[str, str]:
    prefix = "/ferry/dev/deploy/image-tag/"
    return {k.removeprefix(prefix): v for k, v in aws.state["parameters"].items() if k.startswith(prefix)}


def test_release_records_the_tags_only_after_the_smoke_test_passed(aws):
    result = aws.run("release", "dev", "api=sha-new", "worker=sha-new")
    assert result.returncode == 0, result.stderr
    calls = aws.calls
    assert last(calls, "ecs update-service") < first(calls, "curl")
    assert last(calls, "ecs describe-tasks") < first(calls, "ssm put-parameter")
    assert recorded(aws) == {"api": "sha-new", "worker": "sha-new", "ingest-api": "sha-old", "clearinghouse": "sha-old"}
    assert result.stdout.splitlines() == [f"url={BASE_URL}", "images=api=sha-new worker=sha-new"]


def test_a_service_that_is_not_ready_fails_the_release_and_nothing_is_recorded(aws):
    aws.update(lambda s: s.setdefault("health", {}).update({"ferry-dev-worker": {"ready": "UNHEALTHY"}}))
    result = aws.run("release", "dev", "api=sha-new")
    assert result.returncode != 0
    assert "worker is not ready" in result.stderr and "container ready UNHEALTHY" in result.stderr
    assert not any(c.startswith("ssm put-parameter") for c in aws.calls)
    assert recorded(aws)["api"] == "sha-old"


def test_fewer_running_tasks_than_desired_fail_the_smoke_test(aws):
    aws.update(lambda s: s["services"]["ferry-dev-clearinghouse"].update(desiredCount=2))
    result = aws.run("smoke", "dev")
    assert result.returncode != 0
    assert "clearinghouse is not ready" in result.stderr and "1/2 running" in result.stderr


def test_a_failed_liveness_check_through_the_load_balancer_fails_the_release(aws):
    result = aws.run("release", "dev", "api=sha-new", FAKE_CURL_FAIL="/ready")
    assert result.returncode != 0
    assert f"GET {BASE_URL}/ready failed" in result.stderr
    assert not any(c.startswith("ssm put-parameter") for c in aws.calls)


def test_a_rollout_the_circuit_breaker_failed_stops_before_the_smoke_test(aws):
    aws.update(lambda s: s.setdefault("rollout", {}).update({"ferry-dev-api": "FAILED"}))
    result = aws.run("release", "dev", "api=sha-new")
    assert result.returncode == 1
    assert "circuit breaker" in result.stderr
    assert not any(c.startswith(("curl", "ecs describe-tasks", "ssm put-parameter")) for c in aws.calls)


def test_deploy_changes_the_image_of_the_app_and_of_its_readiness_probe_and_records_nothing(aws):
    result = aws.run("deploy", "dev", "worker=sha-new")
    assert result.returncode == 0, result.stderr
    definition = aws.state["task_definitions"]["ferry-dev-worker"]
    assert definition["revision"] == 2
    assert {c["image"] for c in definition["containerDefinitions"]} == {f"{REGISTRY}/ferry/worker:sha-new"}
    assert recorded(aws)["worker"] == "sha-old"


def test_a_tag_already_recorded_is_not_deployed_again_but_still_smoke_tested(aws):
    result = aws.run("release", "dev", "api=sha-old")
    assert result.returncode == 0, result.stderr
    assert not any(c.startswith("ecs register-task-definition") for c in aws.calls)
    assert any(c.startswith("ecs describe-tasks") for c in aws.calls)


def test_an_image_missing_from_ecr_is_refused(aws):
    result = aws.run("release", "dev", "api=sha-gone")
    assert result.returncode != 0
    assert "no image ferry/api:sha-gone" in result.stderr
    assert not any(c.startswith("ecs update-service") for c in aws.calls)


@pytest.mark.parametrize("pair", ["db=sha-new", "api", "api=sha new", "api=$(id)", "api=-x"])
def test_bad_pairs_are_refused_before_any_call(aws, pair):
    result = aws.run("release", "dev", pair)
    assert result.returncode != 0
    assert aws.calls == []


def test_tags_prints_the_recorded_pairs_without_the_bootstrap_placeholder(aws):
    aws.update(lambda s: s["parameters"].update({"/ferry/dev/deploy/image-tag/worker": "bootstrap"}))
    result = aws.run("tags", "dev")
    assert result.stdout.splitlines() == ["api=sha-old", "ingest-api=sha-old", "clearinghouse=sha-old"]


def test_release_tags_each_recorded_image_deployed_so_ecr_never_expires_it(aws):
    result = aws.run("release", "dev", "api=sha-new")
    assert result.returncode == 0, result.stderr
    assert "deployed-dev-sha-new" in aws.state["images"]["ferry/api"]
    assert aws.state["manifests"]["ferry/api:deployed-dev-sha-new"] == "manifest-of-sha-new"
    assert "deployed-dev-sha-new" not in aws.state["images"]["ferry/worker"]


def test_an_image_deployed_before_is_tagged_once_and_the_release_still_succeeds(aws):
    aws.update(lambda state: state["images"]["ferry/api"].append("deployed-dev-sha-new"))
    result = aws.run("release", "dev", "api=sha-new")
    assert result.returncode == 0, result.stderr
    assert aws.state["images"]["ferry/api"].count("deployed-dev-sha-new") == 1


def test_a_failed_release_tags_nothing_deployed(aws):
    aws.update(lambda state: state.setdefault("health", {}).update({"ferry-dev-api": {"ready": "UNHEALTHY"}}))
    result = aws.run("release", "dev", "api=sha-new")
    assert result.returncode != 0
    assert not any(t.startswith("deployed-") for t in aws.state["images"]["ferry/api"])
