"""Every silenced finding says why, where it is silenced."""

import re

import pytest
from terraform_files import REPO

CHECKOV_SKIP = re.compile(r"checkov:skip=([A-Z0-9_]+)(?::\s*(.*))?")
HADOLINT_IGNORE = re.compile(r"#\s*hadolint ignore=([A-Z0-9,]+)")


def files() -> list:
    found = [*REPO.glob("infra/**/*.tf"), REPO / "deploy" / "Dockerfile"]
    found += [*REPO.glob(".github/workflows/*.yml"), REPO / "docker-compose.yml"]
    return sorted(p for p in found if ".terraform" not in p.parts)


def skips():
    for path in files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = CHECKOV_SKIP.search(line)
            if match:
                yield f"{path.relative_to(REPO)}:{number}", match.group(1), match.group(2) or ""


def test_there_are_skips_to_check():
    assert len(list(skips())) >= 10


@pytest.mark.parametrize("where,check,reason", list(skips()), ids=lambda v: str(v)[:60])
def test_each_checkov_skip_gives_a_reason(where, check, reason):
    assert len(reason.split()) >= 6, f"{where}: {check} needs a written reason"


def test_each_hadolint_ignore_follows_a_reason():
    missing = []
    for path in [REPO / "deploy" / "Dockerfile"]:
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if HADOLINT_IGNORE.search(line):
                above = lines[i - 1] if i else ""
                if not above.startswith("#") or HADOLINT_IGNORE.search(above):
                    missing.append(f"{path.relative_to(REPO)}:{i + 1}")
    assert missing == []
