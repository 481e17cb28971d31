"""deploy/postgres/iam-user.sql on a real PostgreSQL (DATABASE_URL's server, a database of its own).

The database first gets what a service's migrations leave when they ran as the master user
(tables with serial and identity columns, a view, a function, a schema of its own); then the
script runs twice. The service's user must own all of it, be in rds_iam, and log in.
"""

import os
import shutil
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from terraform_files import REPO

SERVER = os.environ.get("DATABASE_URL", "")
if not SERVER.startswith("postgres") and os.environ.get("FERRY_REQUIRE_DB") == "1":
    pytest.fail("FERRY_REQUIRE_DB=1 but DATABASE_URL is not a postgres:// URL", allow_module_level=True)
pytestmark = pytest.mark.skipif(
    not SERVER.startswith("postgres") or shutil.which("psql") is None,
    reason="needs a PostgreSQL server (DATABASE_URL) and psql",
)

MIGRATION = """
CREATE TABLE users (id serial PRIMARY KEY, name text);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE SEQUENCE loose_counter;
CREATE VIEW user_names AS SELECT name FROM users;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE SCHEMA loader;
CREATE TABLE loader.files (id int);
"""

OWNERS = """
SELECT kind || ' ' || name || ' ' || owner FROM (
  SELECT 'database' AS kind, datname AS name, pg_get_userbyid(datdba) AS owner
    FROM pg_database WHERE datname = current_database()
  UNION ALL SELECT 'schema', nspname, pg_get_userbyid(nspowner) FROM pg_namespace
    WHERE nspname IN ('public', 'loader')
  UNION ALL SELECT 'relation', n.nspname || '.' || relname, pg_get_userbyid(relowner)
    FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace
    WHERE n.nspname IN ('public', 'loader') AND relkind IN ('r', 'S', 'v')
  UNION ALL SELECT 'function', proname, pg_get_userbyid(proowner) FROM pg_proc
    WHERE proname = 'touch'
) o ORDER BY 1
"""


def url(database: str, user: str | None = None) -> str:
    parts = urlsplit(SERVER)
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rsplit('@', 1)[-1]}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", "", ""))


def psql(target: str, *args: str) -> str:
    result = subprocess.run(
        ["psql", target, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def service_database():
    name, user = f"iam_user_{uuid.uuid4().hex[:8]}", f"ferry_test_{uuid.uuid4().hex[:8]}"
    admin = url("postgres")
    created_rds_iam = psql(admin, "-c", "SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'") == ""
    if created_rds_iam:
        psql(admin, "-c", "CREATE ROLE rds_iam NOLOGIN")
    psql(admin, "-c", f'CREATE DATABASE "{name}"')
    psql(url(name), "-c", MIGRATION)
    try:
        yield name, user
    finally:
        psql(admin, "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(admin, "-c", f'DROP ROLE IF EXISTS "{user}"')
        if created_rds_iam:
            psql(admin, "-c", "DROP ROLE IF EXISTS rds_iam")


def test_the_service_user_owns_its_database_and_authenticates_with_iam(service_database):
    name, user = service_database
    for _ in range(2):
        psql(url(name), "-v", f"app_user={user}", "-f", str(REPO / "deploy/postgres/iam-user.sql"))
    owners = psql(url(name), "-c", OWNERS).split()
    assert owners and all(word == user for word in owners[2::3]), owners
    assert {"public.users", "public.users_id_seq", "public.events_id_seq", "public.loose_counter",
            "public.user_names", "loader.files", "touch"} <= set(owners[1::3])
    member = f"SELECT pg_has_role('{user}', 'rds_iam', 'MEMBER')"
    assert psql(url(name), "-c", member).strip() == "t"
    assert psql(url(name, user), "-c", "SELECT count(*) FROM users").strip() == "0"
