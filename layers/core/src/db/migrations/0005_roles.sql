-- Database roles for the functions (the migration itself runs as the owner of the schema, the master user in AWS):
--   ceo_app       read and write rows (analyze, stream, the worker); no DDL
--   ceo_readonly  read rows only (health, login, list, get, search, status)
-- In AWS both log in through RDS Proxy with end-to-end IAM auth, so they get rds_iam and no password. The names
-- match lib/constants.ts (DB_USERS). Idempotent; runs on Aurora PostgreSQL, PostgreSQL 15 and PGlite. Where the
-- migrating user may not create roles (a local server with a plain user), the roles and grants are skipped with
-- a notice: the local runtime and tests connect as that user anyway.
DO $$
DECLARE
  r text;
  may_create boolean;
BEGIN
  SELECT rolsuper OR rolcreaterole INTO may_create FROM pg_roles WHERE rolname = current_user;
  FOREACH r IN ARRAY ARRAY['ceo_app', 'ceo_readonly'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      IF NOT coalesce(may_create, false) THEN
        RAISE NOTICE 'role % not created: % may not create roles', r, current_user;
        CONTINUE;
      END IF;
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- created meanwhile by a concurrent migration of another database on the same server
      END;
    END IF;
    -- IAM authentication (Aurora/RDS only: the role exists there and nowhere else)
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
      EXECUTE format('GRANT rds_iam TO %I', r);
    END IF;
  END LOOP;

  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ceo_readonly') THEN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO ceo_readonly', current_database());
    GRANT USAGE ON SCHEMA public TO ceo_readonly;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO ceo_readonly;
    -- tables later migrations create (as this same user) are readable too
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ceo_readonly;
  END IF;

  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ceo_app') THEN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO ceo_app', current_database());
    GRANT USAGE ON SCHEMA public TO ceo_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ceo_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ceo_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ceo_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ceo_app;
    -- the migration bookkeeping is the owner's alone
    REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM ceo_app;
  END IF;
END
$$;
