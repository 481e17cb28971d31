"""What `terraform validate` would check first, without the provider plugins.

`validate` needs `terraform init`, which downloads providers from the Terraform registry (not
reachable from CI here; GitHub Actions runs the real `validate`). These tests parse every .tf file
and check, per module directory, that each reference names something that exists: variables,
locals, resources, data sources, module calls and the outputs read from them; that module calls
pass only declared variables and every variable without a default; and that every root pins
Terraform and the providers.
"""

import re
from pathlib import Path

import pytest
from terraform_files import REPO, TERRAFORM, BLOCK, of_kind, parse, tf_files

DIRECTORIES = sorted({p.parent for p in tf_files()})
ROOTS = [TERRAFORM / "bootstrap", TERRAFORM / "envs" / "dev", TERRAFORM / "envs" / "prod"]
EXPRESSION = re.compile(r"\$\{(.*?)\}(?!\})", re.S)
REFERENCE = {
    "var": re.compile(r"(?<![\w.])var\.(\w+)"),
    "local": re.compile(r"(?<![\w.])local\.(\w+)"),
    "module": re.compile(r"(?<![\w.])module\.(\w+)(?:\.(\w+))?"),
    "data": re.compile(r"(?<![\w.])data\.(\w+)\.(\w+)"),
    "resource": re.compile(r"(?<![\w.\"])((?:aws|random)_\w+)\.(\w+)"),
}


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from strings(key)
            yield from strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner)


def expressions(directory: Path):
    for path in sorted(directory.glob("*.tf")):
        for text in strings(parse(path)):
            yield from EXPRESSION.findall(text)


def declared(directory: Path) -> dict[str, set]:
    kinds = ("var", "local", "module", "data", "resource", "output")
    names: dict[str, set] = {k: set() for k in kinds}
    for path in sorted(directory.glob("*.tf")):
        doc = parse(path)
        for entry in doc.get("variable", []):
            names["var"] |= {k for k in entry if k != BLOCK}
        for entry in doc.get("locals", []):
            names["local"] |= {k for k in entry if k != BLOCK}
        for entry in doc.get("module", []):
            names["module"] |= {k for k in entry if k != BLOCK}
        for entry in doc.get("output", []):
            names["output"] |= {k for k in entry if k != BLOCK}
        for kind in ("data", "resource"):
            for entry in doc.get(kind, []):
                for type_, named in entry.items():
                    if type_ != BLOCK:
                        names[kind] |= {(type_, n) for n in named if n != BLOCK}
    return names


def module_calls(directory: Path):
    for block in of_kind("module"):
        if block.path.parent == directory:
            yield block, (directory / block.body["source"]).resolve()


def variables_of(directory: Path) -> dict[str, bool]:
    """Variable name to whether it has a default."""
    out = {}
    for path in sorted(directory.glob("*.tf")):
        for entry in parse(path).get("variable", []):
            out.update({k: "default" in v for k, v in entry.items() if k != BLOCK})
    return out


def rel(directory: Path) -> str:
    return str(directory.relative_to(REPO))


def test_every_terraform_file_parses():
    assert len(tf_files()) >= 30
    for path in tf_files():
        assert isinstance(parse(path), dict), path


@pytest.mark.parametrize("directory", DIRECTORIES, ids=rel)
def test_references_name_something_declared(directory):
    names = declared(directory)
    missing = set()
    for expression in expressions(directory):
        for name in REFERENCE["var"].findall(expression):
            if name not in names["var"]:
                missing.add(f"var.{name}")
        for name in REFERENCE["local"].findall(expression):
            if name not in names["local"]:
                missing.add(f"local.{name}")
        for name, _ in REFERENCE["module"].findall(expression):
            if name not in names["module"]:
                missing.add(f"module.{name}")
        for type_, name in REFERENCE["data"].findall(expression):
            if (type_, name) not in names["data"]:
                missing.add(f"data.{type_}.{name}")
        for type_, name in REFERENCE["resource"].findall(expression):
            if (type_, name) not in names["resource"]:
                missing.add(f"{type_}.{name}")
    assert sorted(missing) == []


@pytest.mark.parametrize("directory", DIRECTORIES, ids=rel)
def test_module_calls_match_the_module(directory):
    problems = []
    calls = list(module_calls(directory))
    outputs = {block.labels[0]: declared(target)["output"] for block, target in calls}
    for block, target in calls:
        assert target.is_dir(), f"{block.where}: no module at {target}"
        wanted = variables_of(target)
        given = {k for k in block.body if k not in ("source", "depends_on", "providers", BLOCK)}
        unknown = sorted(given - set(wanted))
        problems += [f"{block.where}: {k} is not a variable of the module" for k in unknown]
        problems += [
            f"{block.where}: {k} has no default and is not given"
            for k, has_default in wanted.items()
            if not has_default and k not in given
        ]
    for expression in expressions(directory):
        for name, output in REFERENCE["module"].findall(expression):
            if output and name in outputs and output not in outputs[name]:
                problems.append(f"module.{name}.{output} is not an output")
    assert problems == []


@pytest.mark.parametrize("root", ROOTS, ids=rel)
def test_roots_pin_terraform_and_providers(root):
    (settings,) = [t for p in root.glob("*.tf") for t in parse(p).get("terraform", [])]
    assert settings["required_version"] == ">= 1.11"
    providers = settings["required_providers"][0]
    # 5.100 is what the offline mirror holds (.ci/terraform-moto.sh applies with it); 6.x is
    # what a fresh `terraform init` picks without the lock file.
    assert providers["aws"]["version"] == ">= 5.100, < 7"


@pytest.mark.parametrize("directory", DIRECTORIES, ids=rel)
def test_only_the_aws_provider_is_required(directory):
    # The mirror holds hashicorp/aws only; placeholders come from an ephemeral value instead.
    for path in directory.glob("*.tf"):
        for settings in parse(path).get("terraform", []):
            for providers in settings.get("required_providers", []):
                assert set(providers) - {BLOCK} == {"aws"}, path
                assert providers["aws"]["version"] == ">= 5.100, < 7", path


@pytest.mark.parametrize("root", ROOTS, ids=rel)
def test_roots_commit_a_lock_file_for_the_pinned_provider(root):
    lock = (root / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert 'constraints = ">= 5.100.0, < 7.0.0"' in lock
    assert "h1:" in lock, "linux_amd64 hash (terraform providers lock -platform=linux_amd64)"


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_environments_keep_state_in_s3_with_native_locking(env):
    (settings,) = [
        t for p in (TERRAFORM / "envs" / env).glob("*.tf") for t in parse(p).get("terraform", [])
    ]
    (backend,) = settings["backend"]
    s3 = backend["s3"]
    assert s3["use_lockfile"] is True
    assert s3["encrypt"] is True
    assert s3["key"] == f"envs/{env}/terraform.tfstate"
    assert "dynamodb_table" not in s3


def test_a_reference_to_nothing_is_reported(tmp_path):
    (tmp_path / "main.tf").write_text('output "x" {\n  value = var.missing\n}\n')
    names = declared(tmp_path)
    found = [n for e in expressions(tmp_path) for n in REFERENCE["var"].findall(e)]
    assert found == ["missing"] and "missing" not in names["var"]
