"""docs/postgres-grants.sql: the app role can append audit rows but not change them."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from db.engine import Database

GRANTS = Path(__file__).resolve().parents[2] / "docs" / "postgres-grants.sql"


def _statements(schema: str, app_role: str, owner: str) -> list[str]:
    """The documented grants, adapted to the test's schema and throw-away role names."""
    sql = GRANTS.read_text()
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    body = "\n".join(lines).replace("careboard_app", app_role).replace("careboard_owner", owner)
    body = body.replace("SCHEMA public", f'SCHEMA "{schema}"')
    return [s.strip() for s in body.split(";") if s.strip()]


def test_app_role_can_insert_but_not_update_or_delete_audit_rows(pg_db: Database) -> None:
    suffix = uuid.uuid4().hex[:8]
    app_role, owner = f"cb_app_{suffix}", f"cb_owner_{suffix}"
    with pg_db.engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        for statement in _statements(schema, app_role, owner):
            conn.execute(text(statement))
    try:
        with pg_db.engine.begin() as conn:
            conn.execute(text(f'SET LOCAL ROLE "{app_role}"'))
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, action, target, outcome) "
                    "VALUES ('2026-03-02', 'read', 'test', 'ok')"
                )
            )
            conn.execute(text("SELECT count(*) FROM appointments"))
        for statement in ("UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log"):
            with (
                pytest.raises(ProgrammingError, match="permission denied"),
                pg_db.engine.begin() as conn,
            ):
                conn.execute(text(f'SET LOCAL ROLE "{app_role}"'))
                conn.execute(text(statement))
    finally:
        with pg_db.engine.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{app_role}", "{owner}"'))
            conn.execute(text(f'DROP ROLE "{app_role}"'))
            conn.execute(text(f'DROP ROLE "{owner}"'))
