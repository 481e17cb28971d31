"""Each service gets, in Terraform and in docker-compose.yml, the environment its config wants.

The names come from the service itself: Node 24 imports services/<svc>/src/config.ts and prints
its TypeBox `Config` (every property, and the required ones that have no default). Then:
- every required name is set (or one of the alternatives in ALTERNATIVES);
- every name set is one the config reads, or one the runtime below it reads (RUNTIME_NAMES).
"""

import json
import os
import re
import shutil
import subprocess
from functools import cache

import pytest
import yaml
from terraform_files import REPO, TERRAFORM, of_kind, parse

SERVICES = sorted(p.parent.parent.name for p in REPO.glob("services/*/src/config.ts"))

# Settings read below the service's config: by the database driver or the AWS SDK.
RUNTIME_NAMES = {
    "AWS_ACCESS_KEY_ID": "AWS SDK credentials (docker-compose: LocalStack's dummy ones)",
    "AWS_SECRET_ACCESS_KEY": "AWS SDK credentials (docker-compose: LocalStack's dummy ones)",
    "NODE_ENV": "Node and libraries (the images set production)",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "the OpenTelemetry SDK; modules/ecs-service sets it when the "
    "collector sidecar is on (otel_collector)",
}

# Rules the schema cannot state, checked by the service at start: how many of the options (each
# a set of names that must all be present) may be satisfied.
ALTERNATIVES = {
    # src/config.ts authSetting(): HS256 key or JWKS URL, not both.
    "api": [("exactly one", [{"JWT_SECRET"}, {"JWT_JWKS_URL"}])],
    "clearinghouse": [
        # src/config.ts databaseUrl(): DATABASE_URL, or one composed from DB_HOST, DB_USER (+ DB_*).
        ("at least one", [{"DATABASE_URL"}, {"DB_HOST", "DB_USER"}]),
        # src/config.ts operatorToken(): the operator API's token, or the explicit opt-out.
        ("exactly one", [{"OPERATOR_TOKEN"}, {"OPERATOR_AUTH"}]),
    ],
}

PRINT_CONFIG = """
const { Config } = await import(`./services/${process.argv[1]}/src/config.ts`)
const props = Config.properties
const required = (Config.required ?? []).filter((name) => !('default' in props[name]))
console.log(JSON.stringify({ names: Object.keys(props), required }))
"""


@cache
def node() -> str:
    path = shutil.which("node")
    assert path, "node (24) must be on PATH"
    version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    major, minor = (int(x) for x in version.strip().lstrip("v").split(".")[:2])
    assert (major, minor) >= (22, 18), f"{path} is {version.strip()}: type stripping needs >= 22.18"
    return path


@cache
def config_of(service: str) -> dict:
    result = subprocess.run(
        [node(), "--input-type=module", "-e", PRINT_CONFIG, service],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    assert result.returncode == 0, f"importing {service}'s config.ts failed:\n{result.stderr}"
    return json.loads(result.stdout)


def terraform_env(service: str) -> set[str]:
    calls = [
        m
        for m in of_kind("module")
        if str(m.body.get("source", "")).endswith("/ecs-service")
        and m.body.get("service") == service
    ]
    assert len(calls) == 1, f"expected one ecs-service module for {service}, found {len(calls)}"
    body = calls[0].body
    return set(body.get("environment", {})) | set(body.get("secrets", {}))


def module_env() -> set[str]:
    """The names modules/ecs-service adds to every app container itself (the collector's)."""
    (telemetry,) = [
        entry
        for path in (TERRAFORM / "modules" / "ecs-service").glob("*.tf")
        for entry in parse(path).get("locals", [])
        if "otel_environment" in entry
    ]
    return set(re.findall(r"\b([A-Z][A-Z0-9_]+) =", telemetry["otel_environment"]))


def compose_env(service: str) -> set[str]:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    environment = compose["services"][service].get("environment", {})
    if isinstance(environment, list):
        return {item.split("=", 1)[0] for item in environment}
    return set(environment)


def problems(service: str, names: set[str]) -> list[str]:
    config = config_of(service)
    out = [f"{n} is required" for n in config["required"] if n not in names]
    for rule, options in ALTERNATIVES.get(service, []):
        satisfied = [sorted(o) for o in options if o <= names]
        if not satisfied or (rule == "exactly one" and len(satisfied) != 1):
            wanted = " or ".join("+".join(sorted(o)) for o in options)
            out.append(f"{rule} of {wanted} must be set, found {satisfied}")
    known = set(config["names"]) | set(RUNTIME_NAMES)
    out.extend(f"{n} is not read by the service" for n in sorted(names - known))
    return out


def test_every_service_has_a_config():
    assert SERVICES == ["api", "clearinghouse", "ingest-api", "worker"]


@pytest.mark.parametrize("service", SERVICES)
def test_config_names_come_from_the_service(service):
    config = config_of(service)
    assert {"PORT", "HOST", "LOG_LEVEL"} <= set(config["names"])
    assert set(config["required"]) <= set(config["names"])


@pytest.mark.parametrize("service", SERVICES)
def test_terraform_sets_what_the_config_requires_and_nothing_else(service):
    assert problems(service, terraform_env(service)) == []


@pytest.mark.parametrize("service", SERVICES)
def test_compose_sets_what_the_config_requires_and_nothing_else(service):
    assert problems(service, compose_env(service)) == []


def test_the_names_the_service_module_adds_are_read_below_the_config():
    # Every service gets them, so none may be one a service's config would refuse.
    names = module_env()
    assert names == {"OTEL_EXPORTER_OTLP_ENDPOINT"}
    assert names <= set(RUNTIME_NAMES)


def test_a_missing_required_name_is_reported():
    config = config_of("ingest-api")
    assert config["required"], "ingest-api has required settings"
    missing = set(config["names"]) - {config["required"][0]}
    assert problems("ingest-api", missing) == [f"{config['required'][0]} is required"]


def test_a_name_the_service_does_not_read_is_reported():
    names = terraform_env("worker") | {"S3_BUCKET_NAME"}
    assert problems("worker", names) == ["S3_BUCKET_NAME is not read by the service"]
