"""Each service with a database connects as its own user with IAM authentication (issue 15.3).

In modules/ferry/services.tf: DATABASE_AUTH=iam and a DATABASE_URL naming the service's user
(never the master) with sslmode=verify-full; no database secret in the task definition (the
master secret stays with operators); the task role may `rds-db:connect` as exactly that user on
exactly its instance.
"""

import re

import pytest
from terraform_files import TERRAFORM, as_list, nested, parse

SERVICES = parse(TERRAFORM / "modules/ferry/services.tf")
MODULES = {name: body for entry in SERVICES["module"] for name, body in entry.items() if name != "__is_block__"}
POLICIES = {
    name: body
    for entry in SERVICES["data"]
    for name, body in entry.get("aws_iam_policy_document", {}).items()
    if name != "__is_block__"
}
LOCALS = {k: v for entry in SERVICES["locals"] for k, v in entry.items()}
WITH_DATABASE = [name for name, body in MODULES.items() if body.get("database_access") is True]


def test_the_services_with_a_database():
    assert sorted(WITH_DATABASE) == ["api", "clearinghouse"]
    assert set(LOCALS["db_users"]) == {"api", "clearinghouse"}


@pytest.mark.parametrize("service", WITH_DATABASE)
def test_it_connects_as_its_own_user_with_iam_and_a_verified_certificate(service):
    environment = MODULES[service]["environment"]
    assert environment["DATABASE_AUTH"] == "iam"
    url = environment["DATABASE_URL"]
    assert url.startswith(f"postgres://${{local.db_users.{service}}}@${{module.{service}_db.address}}:")
    assert url.endswith("?sslmode=verify-full")
    assert ".username" not in url
    assert not {"DB_USER", "DB_PASSWORD", "PGPASSWORD", "PGSSL"} & set(environment)


@pytest.mark.parametrize("service", WITH_DATABASE)
def test_no_database_secret_reaches_the_task(service):
    secrets = MODULES[service].get("secrets", {})
    assert not [k for k, v in secrets.items() if "_db." in str(v)], secrets


@pytest.mark.parametrize("service", WITH_DATABASE)
def test_the_task_role_connects_as_that_user_on_that_instance_only(service):
    statements = [s for s in nested(POLICIES[service], "statement") if "rds-db:connect" in as_list(s["actions"])]
    assert len(statements) == 1
    assert as_list(statements[0]["actions"]) == ["rds-db:connect"]
    assert as_list(statements[0]["resources"]) == [
        f"${{local.db_user_arn}}:${{module.{service}_db.resource_id}}/${{local.db_users.{service}}}"
    ]
    assert re.fullmatch(r"arn:\$\{local\.partition\}:rds-db:\$\{local\.region\}:\$\{local\.account\}:dbuser", LOCALS["db_user_arn"])
