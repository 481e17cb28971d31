"""Builds a compact schema of the AWS provider from the @cdktn/provider-aws npm package.

`terraform validate` needs the provider plugins, which only the Terraform registry serves; this
machine reaches PyPI, Debian and npm only. The npm package holds bindings generated from the
provider's own schema: for every resource and data source, the argument and nested block names
(and which are required). From them the tests check each block of every .tf file names only
arguments and blocks that exist, and sets every required one: the mistakes `validate` would catch
first, without types or expressions.

Usage: python provider_schema.py <cdktn-provider-aws-….tgz> <out.json>
Output: {"provider_version": "6.66.0", "resource": {type: schema}, "data": {type: schema}}
where schema = {"attributes": {name: required}, "blocks": {name: [required, schema]}}.
"""

import bisect
import json
import re
import sys
import tarfile

TYPE_RE = re.compile(r'static tfResourceType = "([a-z0-9_]+)";')
FUNCTION_RE = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{$", re.M)
METHOD_RE = re.compile(r"^    synthesizeHclAttributes\(\) \{$", re.M)
ENTRY_RE = re.compile(
    r"^ {8,12}(\w+): \{\n\s+value: (.*?),\n\s+isBlock: (true|false),", re.M | re.S
)
MAPPER_RE = re.compile(r"(?<![.\w])([a-z]\w*)ToHclTerraform\b")
FIELD_RE = re.compile(r"(?:this\._|struct[?!]?\.)(\w+)")
INTERFACE_RE = re.compile(r"^export interface (\w+)(?: extends [\w.]+)? \{$", re.M)
MEMBER_RE = re.compile(r"^    readonly (\w+)(\??): ", re.M)


BOUNDARY_RE = re.compile(r"^(?:function |class |export |    [a-zA-Z_]\w*\(.*\) \{$)", re.M)


def _sections(text: str, starts: list[int]) -> list[str]:
    """Each start up to the next top-level function, class or method."""
    bounds = sorted(m.start() for m in BOUNDARY_RE.finditer(text))
    out = []
    for start in starts:
        i = bisect.bisect_right(bounds, start)
        out.append(text[start : bounds[i] if i < len(bounds) else len(text)])
    return out


def _entries(body: str) -> list[tuple[str, str, bool]]:
    return [(m.group(1), m.group(2), m.group(3) == "true") for m in ENTRY_RE.finditer(body)]


def _required_members(dts: str) -> dict[str, dict[str, bool]]:
    """Interface name to {camelCase member: required}."""
    out: dict[str, dict[str, bool]] = {}
    for m in INTERFACE_RE.finditer(dts):
        end = dts.find("\n}", m.end())
        body = dts[m.end() : end]
        out[m.group(1)] = {mm.group(1): mm.group(2) != "?" for mm in MEMBER_RE.finditer(body)}
    return out


def _schema(js: str, dts: str, config_interface: str) -> dict:
    found = list(FUNCTION_RE.finditer(js))
    functions = dict(
        zip([m.group(1) for m in found], _sections(js, [m.start() for m in found]), strict=True)
    )
    members = _required_members(dts)

    def build(entries, interface: str, seen: frozenset) -> dict:
        required_of = members.get(interface, {})
        attributes: dict[str, bool] = {}
        blocks: dict[str, list] = {}
        for name, value, is_block in entries:
            field = FIELD_RE.search(value)
            required = bool(field and required_of.get(field.group(1), False))
            mapper = MAPPER_RE.search(value)
            if is_block and mapper and mapper.group(1) in functions:
                fn = mapper.group(1)
                child = (
                    {"attributes": {}, "blocks": {}}
                    if fn in seen
                    else build(_entries(functions[fn]), fn[0].upper() + fn[1:], seen | {fn})
                )
                blocks[name] = [required, child]
            else:
                attributes[name] = required
        return {"attributes": attributes, "blocks": blocks}

    method = METHOD_RE.search(js)
    if not method:
        return {"attributes": {}, "blocks": {}}
    return build(_entries(_sections(js, [method.start()])[0]), config_interface, frozenset())


def build_schema(tgz_path: str) -> dict:
    result: dict = {"provider_version": None, "resource": {}, "data": {}}
    files: dict[str, dict[str, str]] = {}
    with tarfile.open(tgz_path, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.name == "package/package.json":
                meta = json.loads(tar.extractfile(member).read())
                result["provider_version"] = meta["cdktf"]["provider"]["version"]
            elif len(parts) == 4 and parts[1] == "lib" and parts[3] in ("index.js", "index.d.ts"):
                text = tar.extractfile(member).read().decode()
                files.setdefault(parts[2], {})[parts[3]] = text
    for folder, pair in files.items():
        js, dts = pair.get("index.js", ""), pair.get("index.d.ts", "")
        found = TYPE_RE.search(js)
        if not found:
            continue
        kind = "data" if folder.startswith("data-") else "resource"
        class_name = re.search(r"^class (\w+) extends cdktn\.Terraform", js, re.M)
        interface = f"{class_name.group(1)}Config" if class_name else ""
        result[kind][found.group(1)] = _schema(js, dts, interface)
    return result


if __name__ == "__main__":
    schema = build_schema(sys.argv[1])
    with open(sys.argv[2], "w") as out:
        json.dump(schema, out, separators=(",", ":"), sort_keys=True)
    print(
        f"aws provider {schema['provider_version']}: {len(schema['resource'])} resources, "
        f"{len(schema['data'])} data sources"
    )
