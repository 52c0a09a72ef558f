-- careboard on PostgreSQL: an owner role runs migrations, the app role cannot rewrite history.
-- The app may read everything and write practice data, but may only INSERT into audit_log:
-- UPDATE, DELETE and TRUNCATE of audit rows are refused by these grants, and also by the
-- append-only triggers the migrations install (which even the owner trips over).
--
-- Run as a superuser, once, after `careboard init-db` was run as careboard_owner.

CREATE ROLE careboard_owner LOGIN;            -- runs `careboard init-db`
CREATE ROLE careboard_app LOGIN;              -- DATABASE_URL of the web app and the CLI
-- ALTER ROLE careboard_app PASSWORD '...';   -- or use certificates / peer auth

GRANT USAGE ON SCHEMA public TO careboard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO careboard_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO careboard_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM careboard_app;
REVOKE UPDATE, DELETE, TRUNCATE, INSERT ON alembic_version FROM careboard_app;
GRANT SELECT ON alembic_version TO careboard_app;

-- Tables created by later migrations get the same grants (audit_log is never recreated):
ALTER DEFAULT PRIVILEGES FOR ROLE careboard_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO careboard_app;
ALTER DEFAULT PRIVILEGES FOR ROLE careboard_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO careboard_app;
