"""Who may deploy what: .github/workflows/cd.yml and the release hand-off from ci.yml.

The job conditions are evaluated (a small evaluator of GitHub's expression syntax below) for the
events that must and must not deploy; the structure checks cover where the deploy script comes
from and which pairs each environment deploys.
"""

import re
import subprocess

import pytest
import yaml
from terraform_files import REPO, TERRAFORM, parse

CD = yaml.safe_load((REPO / ".github/workflows/cd.yml").read_text())
CI = yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text())
DEFAULT_BRANCH_REF = "${{ github.event.repository.default_branch }}"

TOKEN = re.compile(r"\s*(\|\||&&|==|!=|!|\(|\)|,|'(?:[^']|'')*'|[A-Za-z_][\w.\-]*)")


def evaluate(expression: str, context: dict):
    """Evaluates a GitHub Actions `if` expression (the subset cd.yml uses) against `context`."""
    tokens = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = TOKEN.match(expression, position)
        assert match, f"cannot read {expression[position:]!r}"
        tokens.append(match.group(1))
        position = match.end()
        while position < len(expression) and expression[position].isspace():
            position += 1

    def peek():
        return tokens[0] if tokens else None

    def take(expected=None):
        token = tokens.pop(0)
        assert expected is None or token == expected, f"expected {expected}, found {token}"
        return token

    def lookup(path: str):
        value = context
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def primary():
        token = take()
        if token == "!":
            return not primary()
        if token == "(":
            value = either()
            take(")")
            return value
        if token.startswith("'"):
            return token[1:-1].replace("''", "'")
        if peek() == "(":
            take("(")
            args = []
            while peek() != ")":
                args.append(either())
                if peek() == ",":
                    take(",")
            take(")")
            if token == "always":
                return True
            if token == "format":
                return re.sub(r"\{(\d+)\}", lambda m: str(args[int(m.group(1)) + 1]), args[0])
            raise AssertionError(f"unknown function {token}")
        return lookup(token)

    def comparison():
        left = primary()
        while peek() in ("==", "!="):
            operator, right = take(), primary()
            left = (left == right) if operator == "==" else (left != right)
        return left

    def both():
        value = comparison()
        while peek() == "&&":
            take()
            right = comparison()
            value = value and right
        return value

    def either():
        value = both()
        while peek() == "||":
            take()
            right = both()
            value = value or right
        return value

    result = either()
    assert not tokens, f"left over: {tokens}"
    return bool(result)


def ci_run(**change) -> dict:
    run = {
        "conclusion": "success",
        "event": "push",
        "head_branch": "main",
        "head_repository": {"full_name": "acme/ferry"},
        "id": 42,
    }
    run.update(change)
    return {
        "github": {
            "event_name": "workflow_run",
            "repository": "acme/ferry",
            "ref": "refs/heads/main",
            "event": {"workflow_run": run, "repository": {"default_branch": "main"}},
        },
        "inputs": {},
        "needs": {"dev": {"result": "success"}},
    }


def dispatch(environment: str, ref: str = "refs/heads/main") -> dict:
    return {
        "github": {
            "event_name": "workflow_dispatch",
            "repository": "acme/ferry",
            "ref": ref,
            "event": {"repository": {"default_branch": "main"}},
        },
        "inputs": {"environment": environment, "images": "api=sha-1234567"},
        "needs": {"dev": {"result": "skipped"}},
    }


def job_if(job: str) -> str:
    return CD["jobs"][job]["if"]


def test_cd_follows_only_ci_on_main():
    trigger = CD.get("on", CD.get(True))["workflow_run"]
    assert trigger == {"workflows": ["ci"], "types": ["completed"], "branches": ["main"]}


def test_a_green_ci_run_of_a_push_to_this_repositorys_main_deploys_dev():
    assert evaluate(job_if("dev"), ci_run())


@pytest.mark.parametrize(
    "change",
    [
        {"event": "pull_request"},
        {"event": "pull_request_target"},
        {"head_repository": {"full_name": "mallory/ferry"}},
        {"head_branch": "feature"},
        {"conclusion": "failure"},
        {"conclusion": "cancelled"},
    ],
    ids=["pull request", "pull_request_target", "a fork's main", "another branch", "red CI", "cancelled CI"],
)
def test_nothing_else_deploys(change):
    assert not evaluate(job_if("dev"), ci_run(**change))
    context = ci_run(**change)
    context["needs"]["dev"]["result"] = "skipped"
    assert not evaluate(job_if("prod"), context)


def test_prod_follows_only_a_successful_dev():
    assert evaluate(job_if("prod"), ci_run())
    context = ci_run()
    context["needs"]["dev"]["result"] = "failure"
    assert not evaluate(job_if("prod"), context)


def test_a_manual_run_deploys_the_chosen_environment_only_from_the_default_branch():
    assert evaluate(job_if("dev"), dispatch("dev")) and not evaluate(job_if("prod"), dispatch("dev"))
    assert evaluate(job_if("prod"), dispatch("prod")) and not evaluate(job_if("dev"), dispatch("prod"))
    for job in ("dev", "prod"):
        assert not evaluate(job_if(job), dispatch(job, ref="refs/heads/feature"))


@pytest.mark.parametrize("job", ["dev", "prod"])
def test_the_deploy_script_comes_from_the_default_branch(job):
    steps = CD["jobs"][job]["steps"]
    checkouts = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert len(checkouts) == 1
    assert checkouts[0]["with"]["ref"] == DEFAULT_BRANCH_REF
    assert checkouts[0]["with"]["persist-credentials"] is False
    # Nothing the triggering run chose (its commit or branch) decides what is checked out or run.
    text = yaml.safe_dump(steps)
    assert "head_sha" not in text and "head_branch" not in text


def test_only_the_deploying_jobs_get_an_oidc_token():
    assert "id-token" not in CD["permissions"]
    for job in ("dev", "prod"):
        assert CD["jobs"][job]["permissions"]["id-token"] == "write"


def run_step(job: str) -> dict:
    steps = [s for s in CD["jobs"][job]["steps"] if "deploy/ecs-deploy.sh" in s.get("run", "")]
    assert len(steps) == 1, f"{job}: one step runs deploy/ecs-deploy.sh"
    return steps[0]


@pytest.mark.parametrize("job", ["dev", "prod"])
def test_each_environment_deploys_smoke_tests_and_records_in_one_release(job):
    step = run_step(job)
    assert re.search(rf"deploy/ecs-deploy\.sh release {job} \"\$\{{pairs\[@\]\}}\"", step["run"])
    assert not re.search(r"ecs-deploy\.sh (deploy|record|promote)", step["run"])
    assert step["id"] == "release"


def test_dev_deploys_the_release_of_the_ci_run_that_triggered_it():
    steps = CD["jobs"]["dev"]["steps"]
    download = next(s for s in steps if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    assert download["with"]["name"] == "release"
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert CD["jobs"]["dev"]["permissions"]["actions"] == "read"
    assert "release.txt" in run_step("dev")["env"]["RELEASE"]
    assert steps.index(download) < steps.index(run_step("dev"))


def test_prod_deploys_the_pairs_dev_recorded_in_this_run():
    assert CD["jobs"]["dev"]["outputs"]["images"] == "${{ steps.release.outputs.images }}"
    images = run_step("prod")["env"]["IMAGES"]
    assert "needs.dev.outputs.images" in images
    assert "promote" not in yaml.safe_dump(CD)


def test_ci_uploads_the_release_only_after_every_image_was_pushed():
    release = CI["jobs"]["release"]
    assert set(release["needs"]) == {"changes", "images"}
    assert "needs.images.result == 'success'" in release["if"]
    assert "needs.images.result == 'failure'" not in release["if"]
    upload = next(s for s in release["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "release" and upload["with"]["path"] == "release.txt"
    assert CI["jobs"]["changes"]["outputs"]["release"] == "${{ steps.affected.outputs.release }}"
    assert "deploy/release-pairs.sh" in CI["jobs"]["changes"]["steps"][-1]["run"]


def release_pairs(tmp_path, previous: str, affected: str) -> dict[str, str]:
    (tmp_path / "release.txt").write_text(previous)
    result = subprocess.run(
        ["bash", str(REPO / "deploy/release-pairs.sh"), "sha-new", str(tmp_path / "release.txt"),
         '["api","clearinghouse","ingest-api","worker"]', affected],
        capture_output=True, text=True, check=True,
    )
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_a_release_lists_every_service_the_unchanged_ones_with_their_previous_tag(tmp_path):
    out = release_pairs(tmp_path, "api=sha-a\nclearinghouse=sha-b\ningest-api=sha-c\nworker=sha-d\n", '["worker"]')
    assert out == {
        "services": '["worker"]',
        "release": "api=sha-a clearinghouse=sha-b ingest-api=sha-c worker=sha-new",
    }


def test_a_service_missing_from_the_previous_release_is_built(tmp_path):
    out = release_pairs(tmp_path, "api=sha-a\nnot a pair\n", "[]")
    assert out["services"] == '["clearinghouse","ingest-api","worker"]'
    assert out["release"] == "api=sha-a clearinghouse=sha-new ingest-api=sha-new worker=sha-new"


def test_every_service_task_runs_a_readiness_probe_the_smoke_test_reads():
    main = parse(TERRAFORM / "modules/ecs-service/main.tf")
    values = {k: v for entry in main["locals"] for k, v in entry.items()}
    probe = values["ready_probe"]
    assert 'name = "ready"' in probe and "essential = false" in probe
    assert 'command = ["CMD", "node", "-e", local.ready_command]' in probe
    assert "${coalesce(var.ready_path" in values["ready_command"]
    text = (TERRAFORM / "modules/ecs-service/main.tf").read_text()
    # The collector sidecar (telemetry.tf), when on, comes after them.
    definitions = "jsonencode(concat([local.container], local.ready_probe, local.otel_container))"
    assert f"container_definitions    = {definitions}" in text
    services = parse(TERRAFORM / "modules/ferry/services.tf")["module"]
    calls = {name: body for entry in services for name, body in entry.items() if name != "__is_block__"}
    probed = [n for n, b in calls.items() if str(b.get("source", "")).endswith("/ecs-service")]
    assert sorted(probed) == ["api", "clearinghouse", "ingest_api", "worker"]
    for name in probed:
        assert calls[name].get("ready_path", "/ready") is not None, f"{name} turns its probe off"
