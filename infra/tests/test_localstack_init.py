"""deploy/localstack/init-aws.sh, run against moto (AWS_ENDPOINT_URL) with the AWS CLI as `awslocal`.

It creates what docker-compose.yml's services are pointed at; the clearinghouse's bucket announces new .json objects, and
only those, on the queue compose gives the clearinghouse as S3_EVENTS_QUEUE_URL.
"""

import json
import os
import shutil
import subprocess
import uuid
from urllib.parse import unquote_plus
from pathlib import Path

import pytest
import yaml
from terraform_files import REPO

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
PREFIX = "ferry-local"

if not ENDPOINT and os.environ.get("FERRY_REQUIRE_AWS") == "1":
    pytest.fail("FERRY_REQUIRE_AWS=1 but AWS_ENDPOINT_URL is not set", allow_module_level=True)
pytestmark = pytest.mark.skipif(not ENDPOINT, reason="needs moto: set AWS_ENDPOINT_URL")


@pytest.fixture(scope="module")
def awslocal(tmp_path_factory):
    aws = Path(os.environ.get("FERRY_AWS_CLI") or shutil.which("aws") or "aws")
    assert aws.exists(), "the AWS CLI: .ci/static-checks.sh sets FERRY_AWS_CLI (infra/tests/requirements-awscli.txt)"
    bin_dir = tmp_path_factory.mktemp("bin")
    shim = bin_dir / "awslocal"
    shim.write_text(f'#!/bin/sh\nexec "{aws}" --endpoint-url "{ENDPOINT}" "$@"\n')
    shim.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "000000000000",
        "AWS_SECRET_ACCESS_KEY": "test",
    }

    def run(*args: str) -> dict:
        out = subprocess.run([str(shim), *args, "--output", "json"], env=env, capture_output=True, text=True, check=True)
        return json.loads(out.stdout) if out.stdout.strip() else {}

    # Once: each CLI call costs about half a second. Every call in the script is a
    # create-if-missing or an overwrite, so a second run (checked by hand) changes nothing.
    result = subprocess.run(["bash", str(REPO / "deploy/localstack/init-aws.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return run


def queue_url(awslocal, name: str) -> str:
    return awslocal("sqs", "get-queue-url", "--queue-name", name)["QueueUrl"]


def test_the_clearinghouse_events_queue_has_a_dead_letter_queue(awslocal):
    url = queue_url(awslocal, f"{PREFIX}-clearinghouse-events")
    attributes = awslocal("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(f":{PREFIX}-clearinghouse-events-dlq")
    policy = json.loads(attributes["Policy"])["Statement"][0]
    assert policy["Principal"] == {"Service": "s3.amazonaws.com"}
    assert policy["Condition"]["ArnEquals"]["aws:SourceArn"] == f"arn:aws:s3:::{PREFIX}-clearinghouse"


def test_only_new_json_objects_are_announced_on_the_queue_compose_names(awslocal, tmp_path):
    setting = COMPOSE["services"]["clearinghouse"]["environment"]["S3_EVENTS_QUEUE_URL"]
    name = setting.rsplit("/", 1)[1]
    assert name == f"{PREFIX}-clearinghouse-events"
    url = queue_url(awslocal, name)
    body = tmp_path / "records.json"
    body.write_text('[{"id": 1}]')
    run = uuid.uuid4().hex[:8]
    for key in (f"{run}/a.json", f"{run}/b.txt"):
        awslocal("s3api", "put-object", "--bucket", f"{PREFIX}-clearinghouse", "--key", key, "--body", str(body))
    keys = []
    while True:
        messages = awslocal("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10",
                            "--visibility-timeout", "60").get("Messages", [])
        if not messages:
            break
        # Event keys are URL-encoded (as S3 does).
        keys += [unquote_plus(r["s3"]["object"]["key"]) for m in messages for r in json.loads(m["Body"]).get("Records", [])]
    assert [k for k in keys if k.startswith(f"{run}/")] == [f"{run}/a.json"]


def test_the_apis_presigned_urls_point_where_the_host_reaches_localstack():
    api = COMPOSE["services"]["api"]["environment"]
    assert api["S3_PUBLIC_ENDPOINT"] == "http://localhost:4566"
    assert "127.0.0.1:4566:4566" in COMPOSE["services"]["localstack"]["ports"]
    assert api["AWS_ENDPOINT_URL"] == "http://localstack:4566"


def test_browsers_on_the_host_may_use_the_files_buckets_presigned_urls(awslocal):
    # The api presigns downloads (GET) and upload forms (POST) of FILES_BUCKET; a page served by
    # another origin needs the bucket's CORS rule to use them.
    bucket = COMPOSE["services"]["api"]["environment"]["FILES_BUCKET"]
    assert bucket == f"{PREFIX}-files"
    (rule,) = awslocal("s3api", "get-bucket-cors", "--bucket", bucket)["CORSRules"]
    assert {"GET", "POST"} <= set(rule["AllowedMethods"])
    assert rule["AllowedOrigins"] == ["*"]
    assert rule["AllowedHeaders"] == ["*"]
