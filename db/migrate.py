"""Alembic migrations, run programmatically on careboard's own engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.engine import Database, SchemaOutOfDate
from db.meta import bump_data_version

MIGRATIONS = Path(__file__).parent / "migrations"
INIT_HINT = "run `careboard init-db` to upgrade it"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), in one transaction; then, on
    PostgreSQL, vacuum and analyze an upgraded database (not a new one): a migration may
    rewrite many rows (0008 sets a column of every appointment with feedback), and until a
    vacuum their old versions slow every index-only scan; autovacuum may be off or late. An
    upgraded database's data version is bumped with the migration, as by any write."""
    before = current_revision(db)
    config = alembic_config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        after = MigrationContext.configure(conn).get_current_revision()
        if before is not None and after != before:
            # A migration may change what the figures read (0010 fills every entry's first
            # visit): results cached by workers still running, keyed by the old data version,
            # must not be served after it.
            bump_data_version(conn)
    if db.engine.dialect.name == "postgresql" and before not in (None, current_revision(db)):
        db.analyze()


def schema_is_empty(db: Database) -> bool:
    return current_revision(db) is None


def check_schema(db: Database) -> None:
    """Raise SchemaOutOfDate, naming the command to run, unless the schema is at head."""
    current, head = current_revision(db), head_revision()
    if current == head:
        return
    where = "has no careboard schema" if current is None else f"is at revision {current}"
    raise SchemaOutOfDate(f"The database {where}, not {head}: {INIT_HINT}.")
