"""Each service's Dockerfile builds that service the agreed way, and ECS runs it the same way.

No Docker engine runs here, so the images are not built in this check (GitHub Actions builds
them); these tests read the Dockerfiles and hold them to the contract: the service's own pruned
closure, a non-root runtime on Node 24 with NODE_ENV=production and PORT=8080, a health check on
/health, tini in front of `node src/main.ts`.
"""

import json
import re

import pytest
from terraform_files import REPO, TERRAFORM, parse

SERVICES = sorted(p.parent.name for p in REPO.glob("services/*/package.json"))


def instructions(service: str) -> list[tuple[str, str]]:
    text = (REPO / "services" / service / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def runtime(service: str) -> list[tuple[str, str]]:
    """The instructions of the last stage."""
    steps = instructions(service)
    last = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last:]


def values(steps, word: str) -> list[str]:
    return [rest for w, rest in steps if w == word]


def test_every_service_has_a_dockerfile():
    assert SERVICES == ["api", "clearinghouse", "ingest-api", "worker"]
    for service in SERVICES:
        assert (REPO / "services" / service / "Dockerfile").is_file()


@pytest.mark.parametrize("service", SERVICES)
def test_the_build_prunes_to_this_service(service):
    package = json.loads((REPO / "services" / service / "package.json").read_text())
    runs = " ".join(values(instructions(service), "RUN"))
    assert f"turbo prune {package['name']} --docker" in runs
    assert "pnpm install --frozen-lockfile --prod" in runs
    assert "pnpm deploy" not in runs, "pnpm deploy copies packages under node_modules"


@pytest.mark.parametrize("service", SERVICES)
def test_every_stage_is_node_24(service):
    images = [rest.split()[0] for word, rest in instructions(service) if word == "FROM"]
    assert len(images) >= 2, "multi-stage"
    node_24 = re.compile(r"node:24[.\d]*-(alpine|slim|bookworm-slim)[\w.@:]*")
    assert all(node_24.fullmatch(i) for i in images), images


@pytest.mark.parametrize("service", SERVICES)
def test_the_runtime_stage_runs_the_service_as_non_root(service):
    steps = runtime(service)
    (user,) = values(steps, "USER")
    assert user.split(":")[0] not in ("root", "0")
    assert values(steps, "WORKDIR")[-1] == f"/app/services/{service}"
    assert values(steps, "ENTRYPOINT") == ['["/sbin/tini", "--"]']
    assert values(steps, "CMD") == ['["node", "src/main.ts"]']


@pytest.mark.parametrize("service", SERVICES)
def test_the_runtime_stage_sets_production_port_8080_and_a_health_check(service):
    steps = runtime(service)
    env = " ".join(values(steps, "ENV"))
    assert "NODE_ENV=production" in env and "PORT=8080" in env
    assert values(steps, "EXPOSE") == ["8080"]
    (health,) = values(steps, "HEALTHCHECK")
    assert "/health'" in health and "127.0.0.1" in health


def test_ecs_runs_the_containers_on_the_image_port_and_user():
    body = parse(TERRAFORM / "modules" / "ecs-service" / "variables.tf")
    port = next(v["container_port"] for v in body["variable"] if "container_port" in v)
    assert port["default"] == 8080
    main = (TERRAFORM / "modules" / "ecs-service" / "main.tf").read_text()
    assert 'user                   = "1000:1000"' in main
    assert all(values(runtime(s), "USER") == ["1000:1000"] for s in SERVICES)


def test_the_build_context_leaves_out_what_no_image_needs():
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {"**/node_modules", ".git", "infra", "**/test"} <= set(ignored)
