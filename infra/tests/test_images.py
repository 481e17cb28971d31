"""One Dockerfile (deploy/Dockerfile) builds every service the agreed way; compose, the workflow
and ECS use it the same way.

These tests read the Dockerfile and hold it to the contract: the service's own pruned closure, a
base that is an argument defaulting to the official Node 24 Debian slim image pinned by digest, a
non-root runtime with NODE_ENV=production and PORT=8080, a health check on /health, and
`node dist/main.js` (the service bundled by deploy/src/bundle.ts, copied alone into the runtime
stage) with no init process of its own (ECS and compose supply one). .ci/images.sh builds,
checks, boots and smoke-tests the four images for real.
"""

import json
import re

import pytest
import yaml
from terraform_files import REPO, TERRAFORM, parse

SERVICES = sorted(p.parent.name for p in REPO.glob("services/*/package.json"))
DOCKERFILE = REPO / "deploy" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def runtime() -> list[tuple[str, str]]:
    """The instructions of the last stage."""
    steps = instructions()
    last = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last:]


def values(steps, word: str) -> list[str]:
    return [rest for w, rest in steps if w == word]


def test_one_dockerfile_serves_every_service():
    assert SERVICES == ["api", "clearinghouse", "ingest-api", "worker"]
    assert DOCKERFILE.is_file()
    assert list(REPO.glob("services/*/Dockerfile")) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_build_prunes_to_the_service_argument(service):
    # SERVICE is the directory name; the Dockerfile prunes to @ferry/${SERVICE}.
    package = json.loads((REPO / "services" / service / "package.json").read_text())
    assert package["name"] == f"@ferry/{service}"
    runs = " ".join(values(instructions(), "RUN"))
    assert 'turbo prune "@ferry/${SERVICE}" @ferry/deploy --docker' in runs
    assert "pnpm install --frozen-lockfile --prod" in runs
    assert 'node deploy/src/bundle.ts "${SERVICE}" /image' in runs


def test_the_runtime_stage_carries_the_bundle_alone():
    # No node_modules and no sources: only what bundle.ts wrote (dist/, migrations/).
    assert values(runtime(), "COPY") == ["--from=build /image /app"]
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {"deploy/*", "!deploy/package.json", "!deploy/src"} <= set(ignored)


def test_every_stage_is_the_base_argument_pinned_to_node_24_slim_by_digest():
    args = [rest for word, rest in instructions() if word == "ARG" and rest.startswith("BASE_IMAGE=")]
    assert len(args) == 1
    default = args[0].split("=", 1)[1]
    assert re.fullmatch(r"node:24[.\d]*-bookworm-slim@sha256:[0-9a-f]{64}", default), default
    images = [rest.split()[0] for word, rest in instructions() if word == "FROM"]
    assert len(images) >= 2, "multi-stage"
    assert set(images) == {"${BASE_IMAGE}"}, images


def test_the_runtime_stage_runs_the_service_as_non_root_without_an_init_of_its_own():
    steps = runtime()
    assert values(steps, "USER") == ["1000:1000"]
    assert values(steps, "WORKDIR")[-1] == "/app"
    assert values(steps, "ENTRYPOINT") == []
    (cmd,) = values(steps, "CMD")
    argv = json.loads(cmd)
    assert argv[0] == "node" and argv[-1] == "dist/main.js", argv
    text = DOCKERFILE.read_text()
    assert "tini" not in text and "apk " not in text


def test_the_runtime_stage_sets_production_port_8080_and_a_health_check():
    steps = runtime()
    env = " ".join(values(steps, "ENV"))
    assert "NODE_ENV=production" in env and "PORT=8080" in env
    assert values(steps, "EXPOSE") == ["8080"]
    (health,) = values(steps, "HEALTHCHECK")
    assert "/health'" in health and "127.0.0.1" in health


@pytest.mark.parametrize("service", SERVICES)
def test_compose_builds_each_service_from_the_dockerfile_with_an_init(service):
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"][service]
    assert compose["build"]["dockerfile"] == "deploy/Dockerfile"
    assert compose["build"]["args"] == {"SERVICE": service}
    assert compose["init"] is True


def test_the_workflow_builds_the_images_from_the_dockerfile_with_the_service_argument():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    steps = workflow["jobs"]["images"]["steps"]
    (build,) = [s for s in steps if s.get("uses", "").startswith("docker/build-push-action@")]
    assert build["with"]["file"] == "deploy/Dockerfile"
    assert build["with"]["build-args"].splitlines() == ["SERVICE=${{ matrix.service }}"]


def test_ecs_runs_the_containers_on_the_image_port_and_user():
    body = parse(TERRAFORM / "modules" / "ecs-service" / "variables.tf")
    port = next(v["container_port"] for v in body["variable"] if "container_port" in v)
    assert port["default"] == 8080
    main = (TERRAFORM / "modules" / "ecs-service" / "main.tf").read_text()
    assert 'user                   = "1000:1000"' in main


def test_the_build_context_leaves_out_what_no_image_needs():
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {"**/node_modules", ".git", "infra", "**/test"} <= set(ignored)
