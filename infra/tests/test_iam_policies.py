"""Every IAM policy grants named actions on named resources.

Policies are written as `data "aws_iam_policy_document"` blocks (a test below holds every policy
attribute to that), so their statements can be read here. In an Allow statement:
- no action contains `*` (no `*`, no `s3:*`, no `kms:GenerateDataKey*`);
- a resource is never the bare `*`, except for the actions listed in STAR_RESOURCE_ACTIONS, which
  AWS offers no resource-level permission for, and in key policies, where `*` means the key
  itself.
Deny statements may be broad: denying more never grants anything.
"""

import re

import pytest
from terraform_files import Block, as_list, nested, of_kind

# Actions that only accept Resource "*" (the Service Authorization Reference lists no resource
# type for them), with what each is for.
STAR_RESOURCE_ACTIONS = {
    "ecr:GetAuthorizationToken": "a registry login token is account-wide; pulls and pushes are "
    "then limited to the named repositories",
    "ecs:RegisterTaskDefinition": "a task definition revision has no ARN before it exists; CD may "
    "only pass the ferry task roles (iam:PassRole is scoped) and deploy to ferry services",
    "ecs:DescribeTaskDefinition": "read-only; CD reads the current revision to render the new one",
    "ecs:ListTasks": "read-only; CD's smoke test lists a service's tasks, and the ecs:cluster "
    "condition limits it to the ferry clusters",
    # ECS Exec (modules/ecs-service execute_command): the agent's Session Manager channels. Who
    # may open a session is decided by ecs:ExecuteCommand on the operator's side.
    "ssmmessages:CreateControlChannel": "ECS Exec's agent channel; sessions need ecs:ExecuteCommand",
    "ssmmessages:CreateDataChannel": "ECS Exec's agent channel; sessions need ecs:ExecuteCommand",
    "ssmmessages:OpenControlChannel": "ECS Exec's agent channel; sessions need ecs:ExecuteCommand",
    "ssmmessages:OpenDataChannel": "ECS Exec's agent channel; sessions need ecs:ExecuteCommand",
    # The collector sidecar (modules/ecs-service otel_collector) sends the app's traces to X-Ray,
    # whose write actions name no resource type; its metrics go to the service's own log group.
    "xray:PutTraceSegments": "X-Ray accepts no resource-level permission for writing traces",
    "xray:PutTelemetryRecords": "X-Ray accepts no resource-level permission for its telemetry",
}

# A key policy's first statement: the account administers the key through IAM. Without it the
# key can become unmanageable (AWS's default key policy). Only this exact shape is accepted.
KEY_ADMIN_ACTIONS = ["kms:*"]
KEY_ADMIN_PRINCIPAL = re.compile(r"(:root|\.root_arn\}?|iam::\$\{local\.account\}:root)")

POLICY_ATTRIBUTES = {
    "aws_iam_role": ["assume_role_policy"],
    "aws_iam_role_policy": ["policy"],
    "aws_iam_policy": ["policy"],
    "aws_iam_user_policy": ["policy"],
    "aws_iam_group_policy": ["policy"],
    "aws_s3_bucket_policy": ["policy"],
    "aws_sqs_queue_policy": ["policy"],
    "aws_sns_topic_policy": ["policy"],
    "aws_kms_key": ["policy"],
    "aws_ecr_repository_policy": ["policy"],
}
DOCUMENT_REF = re.compile(r"^\$\{data\.aws_iam_policy_document\.(\w+)(\[[^\]]+\])?\.json\}$")
POLICY_VARIABLE = re.compile(r"^\$\{var\.(\w*policy_json)\}$")


def documents() -> list[Block]:
    return of_kind("data", "aws_iam_policy_document")


def key_policy_names() -> set[tuple[str, str]]:
    """(directory, document name) of the documents used as a KMS key policy."""
    names = set()
    for key in of_kind("resource", "aws_kms_key"):
        match = DOCUMENT_REF.match(str(key.body.get("policy", "")))
        if match:
            names.add((str(key.path.parent), match.group(1)))
    return names


def allow_statements():
    for doc in documents():
        for statement in nested(doc.body, "statement"):
            if statement.get("effect", "Allow") == "Allow":
                yield doc, statement


def statement_id(doc: Block, statement: dict) -> str:
    return f"{doc.where} [{statement.get('sid', 'no sid')}]"


def test_the_policy_documents_are_found():
    # Guards the tests below against passing on nothing.
    assert len(documents()) >= 15
    assert len(list(allow_statements())) >= 30


@pytest.mark.parametrize(
    "type_", sorted(POLICY_ATTRIBUTES), ids=lambda t: t.removeprefix("aws_")
)
def test_every_policy_attribute_is_a_policy_document(type_):
    loose = []
    for resource in of_kind("resource", type_):
        for attribute in POLICY_ATTRIBUTES[type_]:
            value = str(resource.body.get(attribute, ""))
            if value and not (DOCUMENT_REF.match(value) or POLICY_VARIABLE.match(value)):
                loose.append(f"{resource.where}: {attribute} = {value[:80]}")
    assert loose == [], "write these as data.aws_iam_policy_document so they can be checked"


def test_policies_passed_into_modules_are_policy_documents():
    loose = []
    for module in of_kind("module"):
        for name, value in module.body.items():
            if name.endswith("policy_json") and not DOCUMENT_REF.match(str(value)):
                loose.append(f"{module.where}: {name} = {value}")
    assert loose == []


def test_no_allowed_action_contains_a_wildcard():
    key_policies = key_policy_names()
    broad = []
    for doc, statement in allow_statements():
        actions = as_list(statement.get("actions", []))
        if (str(doc.path.parent), doc.labels[1]) in key_policies and is_key_admin(statement):
            continue
        broad.extend(f"{statement_id(doc, statement)}: {a}" for a in actions if "*" in str(a))
        if "not_actions" in statement:
            broad.append(f"{statement_id(doc, statement)}: not_actions")
    assert broad == []


def is_key_admin(statement: dict) -> bool:
    principals = nested(statement, "principals")
    identifiers = [str(i) for p in principals for i in as_list(p.get("identifiers", []))]
    return (
        as_list(statement.get("actions", [])) == KEY_ADMIN_ACTIONS
        and len(identifiers) == 1
        and KEY_ADMIN_PRINCIPAL.search(identifiers[0]) is not None
    )


def test_a_star_resource_only_goes_with_actions_that_need_it():
    key_policies = key_policy_names()
    broad = []
    for doc, statement in allow_statements():
        resources = as_list(statement.get("resources", []))
        if "*" not in resources:
            continue
        if (str(doc.path.parent), doc.labels[1]) in key_policies:
            continue
        actions = as_list(statement.get("actions", []))
        broad.extend(
            f"{statement_id(doc, statement)}: {a} on *"
            for a in actions
            if a not in STAR_RESOURCE_ACTIONS
        )
    assert broad == []


def test_identity_policies_name_their_resources():
    # A statement without principals is an identity policy: it must say what it applies to.
    missing = [
        statement_id(doc, statement)
        for doc, statement in allow_statements()
        if not nested(statement, "principals") and not statement.get("resources")
    ]
    assert missing == []


def test_resource_patterns_are_anchored_to_a_name():
    # `arn:…:role/ferry-dev-*-task` is fine; `arn:aws:s3:::*` or a lone `*/*` is not.
    loose = []
    for doc, statement in allow_statements():
        for resource in as_list(statement.get("resources", [])):
            text = str(resource)
            if text != "*" and re.search(r"(:::\*|^\*|/\*/\*$)", text):
                loose.append(f"{statement_id(doc, statement)}: {text}")
    assert loose == []


def test_role_trust_is_limited_to_the_repository_main_branch_and_environments():
    trust = {d.labels[1]: d for d in documents() if d.labels[1] in ("ci_trust", "cd_trust")}
    assert set(trust) == {"ci_trust", "cd_trust"}
    wanted = {"ci_trust": "${local.ci_subjects}", "cd_trust": ["${each.value.subject}"]}
    for name, doc in trust.items():
        (statement,) = nested(doc.body, "statement")
        conditions = {c["variable"]: c for c in nested(statement, "condition")}
        issuer = "${local.issuer}"
        assert conditions[f"{issuer}:aud"]["values"] == ["sts.amazonaws.com"], doc.where
        assert conditions[f"{issuer}:sub"]["test"] == "StringEquals", doc.where
        assert conditions[f"{issuer}:sub"]["values"] == wanted[name], doc.where


def github_oidc_file():
    (role,) = [r for r in of_kind("resource", "aws_iam_role") if r.labels[1] == "cd"]
    return role


def test_each_environment_has_its_own_cd_role():
    # One role for every environment let a job in the unprotected dev environment deploy prod.
    role = github_oidc_file()
    assert role.body["for_each"] == "${local.cd}"
    assert "${each.key}" in role.body["name"]
    assert role.body["assume_role_policy"] == "${data.aws_iam_policy_document.cd_trust[each.key].json}"
    (policy,) = [p for p in of_kind("resource", "aws_iam_role_policy") if p.labels[1] == "cd"]
    assert policy.body["policy"] == "${data.aws_iam_policy_document.cd[each.key].json}"


def test_the_cd_role_names_only_its_own_environment():
    (doc,) = [d for d in documents() if d.labels[1] == "cd"]
    assert doc.body["for_each"] == "${local.cd}"
    shared = {"*", "${var.repository_arns}"}
    for statement in nested(doc.body, "statement"):
        for resource in as_list(statement.get("resources", [])):
            assert resource in shared or resource.startswith("${each.value."), statement["sid"]
    locals_text = (github_oidc_file().path).read_text()
    block = locals_text[locals_text.index("  cd = {") : locals_text.index("\n  }\n}\n")]
    scoped = ("cluster", "services", "task_definitions", "task_roles", "exec_roles", "parameters")
    for name in scoped:
        (line,) = [x for x in block.splitlines() if x.strip().startswith(f"{name} ")]
        assert "${var.prefix}-${env}" in line or "${var.prefix}/${env}/" in line, line


def test_cd_updates_services_only_to_its_own_task_definition_families():
    (doc,) = [d for d in documents() if d.labels[1] == "cd"]
    (deploy,) = [s for s in nested(doc.body, "statement") if s.get("sid") == "DeployServices"]
    assert deploy["actions"] == ["ecs:UpdateService"]
    (condition,) = nested(deploy, "condition")
    assert condition["variable"] == "ecs:task-definition"
    assert condition["values"] == ["${each.value.task_definitions}"]
