"""Reads every .tf file under infra/terraform with python-hcl2 (quotes stripped, blocks marked)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import hcl2
from hcl2.utils import SerializationOptions

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "infra" / "terraform"
OPTIONS = SerializationOptions(with_comments=False, strip_string_quotes=True, explicit_blocks=True)
BLOCK = "__is_block__"


@dataclass(frozen=True)
class Block:
    """One labelled top-level block: `resource "aws_s3_bucket" "logs"` is kind resource."""

    path: Path
    kind: str
    labels: tuple[str, ...]
    body: dict

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}: {self.kind} {' '.join(self.labels)}"


def tf_files() -> list[Path]:
    return sorted(p for p in TERRAFORM.rglob("*.tf") if ".terraform" not in p.parts)


@cache
def parse(path: Path) -> dict:
    return hcl2.loads(path.read_text(), serialization_options=OPTIONS)


def _labelled(kind: str, value: dict, depth: int, path: Path, labels=()) -> list[Block]:
    if depth == 0:
        return [Block(path, kind, labels, value)]
    out: list[Block] = []
    for label, inner in value.items():
        if label == BLOCK:
            continue
        out.extend(_labelled(kind, inner, depth - 1, path, (*labels, label)))
    return out


LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1}


@cache
def blocks() -> tuple[Block, ...]:
    out: list[Block] = []
    for path in tf_files():
        for kind, depth in LABELS.items():
            for entry in parse(path).get(kind, []):
                out.extend(_labelled(kind, entry, depth, path))
    return tuple(out)


def of_kind(kind: str, type_: str | None = None) -> list[Block]:
    return [b for b in blocks() if b.kind == kind and (type_ is None or b.labels[0] == type_)]


def nested(body: dict, name: str) -> list[dict]:
    """The nested blocks called `name`, including those a `dynamic "name"` block generates."""
    found = [b for b in body.get(name, []) if isinstance(b, dict) and b.get(BLOCK)]
    for dynamic in body.get("dynamic", []):
        for label, inner in dynamic.items():
            if label == name:
                found.extend(inner.get("content", []))
    return found


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]
