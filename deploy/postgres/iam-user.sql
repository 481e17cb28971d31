-- The one-off bootstrap of a service's database user on RDS (deploy/README.md, "Database users"):
-- a login role that authenticates with IAM (member of rds_iam, no password) and owns the
-- service's database, its schemas and whatever the master user created in them before (tables,
-- sequences, views, functions of migrations that ran as the master), so the service's own
-- migrations keep working as that user. Run it as the master user, connected to the service's
-- database; running it again changes nothing.
--
--   psql "host=<address> dbname=api user=<master_user> sslmode=verify-full sslrootcert=<rds bundle>" \
--     -v app_user=ferry_api -f deploy/postgres/iam-user.sql
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'app_user')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec

SELECT format('GRANT rds_iam TO %I', :'app_user') \gexec

-- Only a member of a role may give it objects (the RDS master is not a superuser).
SELECT format('GRANT %I TO %I', :'app_user', current_user)
WHERE NOT pg_has_role(current_user, :'app_user', 'MEMBER') \gexec

SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'app_user') \gexec

SELECT format('ALTER SCHEMA %I OWNER TO %I', nspname, :'app_user')
FROM pg_namespace
WHERE nspname !~ '^(pg_|information_schema$)'
  AND (nspname = 'public' OR nspowner = current_user::regrole) \gexec

-- Sequences that belong to a column move with their table.
SELECT format('ALTER %s %I.%I OWNER TO %I',
  CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
    WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
  n.nspname, c.relname, :'app_user')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relowner = current_user::regrole
  AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
  AND n.nspname !~ '^(pg_|information_schema$)'
  AND NOT EXISTS (
    SELECT FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')
  ) \gexec

SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'app_user')
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proowner = current_user::regrole
  AND n.nspname !~ '^(pg_|information_schema$)' \gexec
