"""Every resource and data source block uses only arguments and blocks the AWS provider has,
and sets the ones it requires.

The schema comes from provider_schema.py (the AWS provider's schema as shipped in the
@cdktn/provider-aws npm package); .ci/static-checks.sh builds it and points
FERRY_AWS_PROVIDER_SCHEMA at it. Types and values are not checked: GitHub Actions runs the real
`terraform validate` for that.
"""

import json
import os
from functools import cache
from pathlib import Path

import pytest
from terraform_files import BLOCK, Block, of_kind

META_ARGUMENTS = {"count", "for_each", "depends_on", "lifecycle", "provider", "dynamic"}

# Blocks the bindings type as one untyped argument, so what they hold cannot be checked here
# (the moto run's `terraform validate` and apply do): resource type to dotted paths.
UNTYPED_BLOCKS = {
    # A WAF statement nests and/or/not statements without bound; the bindings stop at `any`.
    "aws_wafv2_web_acl": {"rule.statement"},
}


@cache
def schema() -> dict:
    path = os.environ.get("FERRY_AWS_PROVIDER_SCHEMA")
    assert path and Path(path).is_file(), (
        "set FERRY_AWS_PROVIDER_SCHEMA to the JSON provider_schema.py builds "
        "(bash .ci/static-checks.sh does both)"
    )
    return json.loads(Path(path).read_text())


def is_block(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and v.get(BLOCK) for v in value)


def check(body: dict, spec: dict, where: str, untyped=frozenset(), path="") -> list[str]:
    errors = []
    present = set(body)
    for dynamic in body.get("dynamic", []):
        for name, generated in dynamic.items():
            if name == BLOCK:
                continue
            present.add(name)
            if name not in spec["blocks"]:
                errors.append(f"{where}: dynamic {name} is not a block here")
                continue
            for content in generated.get("content", []):
                inner = spec["blocks"][name][1]
                errors += check(content, inner, f"{where}.{name}", untyped, f"{path}{name}.")
    for name, value in body.items():
        if name == BLOCK or name in META_ARGUMENTS:
            continue
        if name in spec["blocks"]:
            if not is_block(value):
                errors.append(f"{where}: {name} is a block, set as an argument")
                continue
            for child in value:
                inner = spec["blocks"][name][1]
                errors += check(child, inner, f"{where}.{name}", untyped, f"{path}{name}.")
        elif name in spec["attributes"]:
            if is_block(value) and value and f"{path}{name}" not in untyped:
                errors.append(f"{where}: {name} is an argument, written as a block")
        else:
            errors.append(f"{where}: unknown argument or block {name}")
    errors += [
        f"{where}: required {name} is missing"
        for name, required in spec["attributes"].items()
        if required and name not in present
    ]
    errors += [
        f"{where}: required block {name} is missing"
        for name, (required, _) in spec["blocks"].items()
        if required and name not in present
    ]
    return errors


def aws_blocks() -> list[Block]:
    return [
        b for kind in ("resource", "data") for b in of_kind(kind) if b.labels[0].startswith("aws_")
    ]


def test_the_schema_is_the_pinned_major_version():
    assert schema()["provider_version"].startswith("6.")
    assert len(schema()["resource"]) > 1000


@pytest.mark.parametrize("block", aws_blocks(), ids=lambda b: f"{b.kind}.{'.'.join(b.labels)}")
def test_block_matches_the_provider_schema(block):
    types = schema()["resource" if block.kind == "resource" else "data"]
    type_ = block.labels[0]
    assert type_ in types, f"{block.where}: the AWS provider has no {block.kind} {type_}"
    untyped = frozenset(UNTYPED_BLOCKS.get(type_, ()))
    assert check(block.body, types[type_], block.where, untyped) == []


def test_an_unknown_argument_and_a_missing_required_one_are_reported():
    spec = schema()["resource"]["aws_sqs_queue_policy"]
    errors = check({"queue_url": "q", "polcy": "{}", BLOCK: True}, spec, "x")
    assert errors == ["x: unknown argument or block polcy", "x: required policy is missing"]


def test_a_block_written_as_an_argument_is_reported():
    spec = schema()["resource"]["aws_s3_bucket_versioning"]
    body = {"bucket": "b", "versioning_configuration": {"status": "Enabled"}, BLOCK: True}
    assert check(body, spec, "x") == ["x: versioning_configuration is a block, set as an argument"]


def test_only_the_listed_untyped_blocks_may_be_written_as_blocks():
    spec = schema()["resource"]["aws_wafv2_web_acl"]
    rule = {"name": "r", "priority": 1, "statement": [{BLOCK: True}], BLOCK: True}
    body = {"scope": "REGIONAL", "rule": [rule], BLOCK: True}
    assert "statement" in spec["blocks"]["rule"][1]["attributes"]
    written = "x.rule: statement is an argument, written as a block"
    assert written not in check(body, spec, "x", frozenset({"rule.statement"}))
    assert written in check(body, spec, "x")


def test_nested_blocks_are_checked():
    spec = schema()["resource"]["aws_lb_listener"]
    action = {"type": "redirect", "redirect": [{"status": "HTTP_301", BLOCK: True}], BLOCK: True}
    body = {"load_balancer_arn": "a", "default_action": [action], BLOCK: True}
    assert check(body, spec, "x") == [
        "x.default_action.redirect: unknown argument or block status",
        "x.default_action.redirect: required status_code is missing",
    ]
