"""How CI proves the Terraform (issue 15, section 1), and what the moto run may leave out.

- GitHub's ci.yml runs `terraform init` + `validate` with the registry's providers in every root,
  each of which commits its lock file;
- .ci/run runs .ci/terraform-moto.sh, which validates every root and applies bootstrap and envs/dev
  against moto, and skips only itself, saying so, where the machine has no provider mirror;
- `emulated` (what moto cannot create) leaves out exactly the resources deploy/README.md lists
  with their reasons, is declared by envs/dev only, set only by infra/moto/dev.auto.tfvars, and
  reaches nothing but the `count`/`for_each` of those resources.
"""

import os
import re
import subprocess

import yaml
from terraform_files import REPO, TERRAFORM, of_kind, parse, tf_files

ROOTS = ["bootstrap", "envs/dev", "envs/prod"]
CI = yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text())
RUN = (REPO / ".ci/run").read_text()
MOTO_SCRIPT = REPO / ".ci/terraform-moto.sh"
README = (REPO / "deploy/README.md").read_text()

# Each resource `emulated` leaves out, and the row of deploy/README.md's table that says why.
LEFT_OUT = {
    ("modules/ecs-service", "aws_appautoscaling_target", "this"): "autoscaling targets and policies",
    ("modules/ecs-service", "aws_appautoscaling_policy", "cpu"): "autoscaling targets and policies",
    ("modules/ecs-service", "aws_appautoscaling_policy", "queue"): "autoscaling targets and policies",
    ("modules/data", "aws_sqs_queue_redrive_allow_policy", "dlq"): "redrive allow policies",
}
EMULATED = re.compile(r"\bvar\.emulated\b")


def test_github_validates_every_root_with_the_registrys_providers():
    job = CI["jobs"]["terraform"]
    assert sorted(job["strategy"]["matrix"]["root"]) == sorted(ROOTS)
    assert job["defaults"]["run"]["working-directory"] == "infra/terraform/${{ matrix.root }}"
    runs = [s.get("run", "") for s in job["steps"]]
    assert "terraform init -backend=false -input=false" in runs
    assert "terraform validate" in runs
    assert runs.index("terraform validate") > runs.index("terraform init -backend=false -input=false")


def test_every_root_commits_its_lock_file():
    for root in ROOTS:
        lock = f"infra/terraform/{root}/.terraform.lock.hcl"
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", lock], cwd=REPO, capture_output=True)
        assert tracked.returncode == 0, f"{lock} is not committed"
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", lock], cwd=REPO)
        assert ignored.returncode == 1, f"{lock} is ignored by a .gitignore"


def test_ci_run_applies_the_terraform_against_moto_after_the_static_checks():
    lines = [line.strip() for line in RUN.splitlines()]
    # A plain command: under `set -e` a failure stops the run; only the script itself may skip.
    assert "bash .ci/terraform-moto.sh" in lines
    assert lines.index("bash .ci/terraform-moto.sh") > lines.index("bash .ci/static-checks.sh")
    script = MOTO_SCRIPT.read_text()
    assert "ROOTS=(bootstrap envs/dev envs/prod)" in script
    assert "apply_root bootstrap bootstrap" in script and "apply_root envs/dev dev" in script
    assert "plan -detailed-exitcode" in script


def test_without_a_provider_mirror_only_the_terraform_step_is_skipped_and_says_so(tmp_path):
    result = subprocess.run(
        ["bash", str(MOTO_SCRIPT)],
        env={**os.environ, "TF_PLUGIN_MIRROR": str(tmp_path), "FERRY_CACHE": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"SKIPPED, no provider mirror at {tmp_path}" in result.stdout
    assert "moto_server on" not in result.stdout
    assert not (tmp_path / "cache").exists(), "nothing was installed or started"


def gated_resources() -> dict[tuple[str, str, str], str]:
    out = {}
    for block in of_kind("resource") + of_kind("data"):
        for key in ("count", "for_each"):
            if EMULATED.search(str(block.body.get(key, ""))):
                where = str(block.path.parent.relative_to(TERRAFORM))
                out[(where, *block.labels)] = key
    return out


def test_emulated_leaves_out_exactly_the_resources_the_readme_lists_with_their_reasons():
    assert set(gated_resources()) == set(LEFT_OUT)
    (table,) = re.findall(r"\| left out \| why \|\n\| --- \| --- \|\n((?:\|.*\|\n)+)", README)
    rows = [row for row in table.splitlines()]
    assert len(rows) == len(set(LEFT_OUT.values()))
    for phrase in set(LEFT_OUT.values()):
        (row,) = [r for r in rows if phrase in r]
        reason = row.split("|")[2].strip()
        assert "moto" in reason, f"no reason given for {phrase}"


def test_emulated_reaches_nothing_else():
    # Anywhere else (an attribute, a local, an output) it could change what AWS gets.
    gated = {path for path, *_ in gated_resources()}
    stray = []
    for path in tf_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if not EMULATED.search(code):
                continue
            passes_it_on = re.fullmatch(r"\s*emulated\s*=\s*var\.emulated\s*", code)
            gates = re.match(r"\s*(count|for_each)\s*=", code)
            if passes_it_on or (gates and str(path.parent.relative_to(TERRAFORM)) in gated):
                continue
            stray.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert stray == []


def test_only_the_moto_run_sets_emulated():
    declared = {
        str(path.parent.relative_to(TERRAFORM))
        for path in tf_files()
        for entry in parse(path).get("variable", [])
        if "emulated" in entry
    }
    # Every declaration defaults to false; of the roots only envs/dev has it (the one moto applies).
    assert {d for d in declared if not d.startswith("modules/")} == {"envs/dev"}
    for path in tf_files():
        for entry in parse(path).get("variable", []):
            if "emulated" in entry:
                assert entry["emulated"]["default"] is False, path
    prod = "\n".join(p.read_text() for p in (TERRAFORM / "envs/prod").glob("*.tf"))
    assert "emulated" not in prod
    setters = [
        str(path.relative_to(REPO))
        for path in REPO.glob("**/*.tfvars")
        if "node_modules" not in path.parts and re.search(r"(?m)^\s*emulated\s*=", path.read_text())
    ]
    assert setters == ["infra/moto/dev.auto.tfvars"]
