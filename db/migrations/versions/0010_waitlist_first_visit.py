"""each waitlist entry's first visit, kept by triggers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 04:40:00

Time to intake counts the waitlist entries whose client's first visit on or after the referral
date falls in a period. Found per entry, a year's read probed the visits of every entry ever
referred (64,000 at 1,000,000 appointments: 0.12-0.17 s). ``waitlist_entries.first_visit_at``
holds that first visit's start (null: none yet), set by triggers on every write to
appointments and waitlist entries in the same statement, so no writer can leave it stale; a
period's entries are then one range of its index, which carries the program and the referral
date too. The first visit over all time is the one
before an as-of whenever one is (any earlier visit after the referral would be first), so a
period as of any time reads it as ``first_visit_at < as-of``.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEX = "ix_waitlist_entries_first_visit_at"
# common.is_visit_row when this was written: kept (vocab.KEPT_STATUSES) and not a group session
# (vocab.NON_VISIT_SERVICES).
VISIT = "{row}.status = 'completed' AND {row}.service <> 'group'"
FIRST = (
    "(SELECT min(a.start_at) FROM appointments a WHERE a.client_id = {entry}.client_id "
    f"AND {VISIT.format(row='a')} AND a.start_at >= {{entry}}.referred_at)"
)
FILL = f"UPDATE waitlist_entries SET first_visit_at = {FIRST.format(entry='waitlist_entries')}"
REFRESH_SQLITE = (
    f"UPDATE waitlist_entries SET first_visit_at = {FIRST.format(entry='waitlist_entries')} "
    "WHERE {where}; "
)
# SQLite: row triggers. A new visit can only bring a first visit earlier; any other change of a
# visit recomputes the entries of its client (before and after the change).
SQLITE_TRIGGERS = (
    "CREATE TRIGGER waitlist_first_visit_entry_insert AFTER INSERT ON waitlist_entries BEGIN "
    + REFRESH_SQLITE.format(where="entry_id = NEW.entry_id")
    + "END",
    "CREATE TRIGGER waitlist_first_visit_entry_update "
    "AFTER UPDATE OF client_id, referred_at ON waitlist_entries BEGIN "
    + REFRESH_SQLITE.format(where="entry_id = NEW.entry_id")
    + "END",
    "CREATE TRIGGER waitlist_first_visit_appointment_insert AFTER INSERT ON appointments "
    f"WHEN {VISIT.format(row='NEW')} BEGIN "
    "UPDATE waitlist_entries SET first_visit_at = NEW.start_at "
    "WHERE client_id = NEW.client_id AND referred_at <= NEW.start_at "
    "AND (first_visit_at IS NULL OR first_visit_at > NEW.start_at); END",
    "CREATE TRIGGER waitlist_first_visit_appointment_update "
    "AFTER UPDATE OF client_id, start_at, status, service ON appointments "
    f"WHEN ({VISIT.format(row='OLD')}) OR ({VISIT.format(row='NEW')}) BEGIN "
    + REFRESH_SQLITE.format(where="client_id IN (OLD.client_id, NEW.client_id)")
    + "END",
    "CREATE TRIGGER waitlist_first_visit_appointment_delete AFTER DELETE ON appointments "
    f"WHEN {VISIT.format(row='OLD')} BEGIN "
    + REFRESH_SQLITE.format(where="client_id = OLD.client_id")
    + "END",
)
SQLITE_NAMES = (
    "entry_insert",
    "entry_update",
    "appointment_insert",
    "appointment_update",
    "appointment_delete",
)
# PostgreSQL: statement triggers over transition tables (a bulk write recomputes once). An
# update of appointments that changes none of client, start, status and service (the feedback
# state of 0008, a note) recomputes nothing. Each call first locks the clients it recomputes,
# in order, in a statement of its own: a concurrent writer of the same clients waits for the
# other's commit, and the recompute that follows sees it (READ COMMITTED takes a snapshot per
# statement; without the lock, two transactions adding visits to one client at once each wrote
# the first visit they could see, and the later commit won). Only entries whose first visit
# changes are written, so the entries' trigger, fired again by that write, stops when there is
# nothing left to change. The function keeps the schema it was created in.
CHANGED = f"w.first_visit_at IS DISTINCT FROM {FIRST.format(entry='w')}"
POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION careboard_first_visits() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  touched text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE waitlist_entries SET first_visit_at = NULL WHERE first_visit_at IS NOT NULL;
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'waitlist_entries' THEN
    SELECT array_agg(DISTINCT client_id) INTO touched FROM new_rows;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT client_id) INTO touched
    FROM new_rows n WHERE {VISIT.format(row="n")};
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT client_id) INTO touched
    FROM old_rows o WHERE {VISIT.format(row="o")};
  ELSE
    SELECT array_agg(DISTINCT c) INTO touched FROM (
      SELECT unnest(ARRAY[o.client_id, n.client_id]) AS c
      FROM old_rows o FULL JOIN new_rows n ON n.appointment_id = o.appointment_id
      WHERE ((o.appointment_id IS NOT NULL AND {VISIT.format(row="o")})
             OR (n.appointment_id IS NOT NULL AND {VISIT.format(row="n")}))
        AND (o.appointment_id IS NULL OR n.appointment_id IS NULL
             OR (o.client_id, o.start_at, o.status, o.service)
                IS DISTINCT FROM (n.client_id, n.start_at, n.status, n.service))
    ) AS moved WHERE c IS NOT NULL;
  END IF;
  IF touched IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM clients WHERE client_id = ANY (touched) ORDER BY client_id FOR NO KEY UPDATE;
  UPDATE waitlist_entries w SET first_visit_at = {FIRST.format(entry="w")}
  WHERE w.client_id = ANY (touched) AND {CHANGED};
  RETURN NULL;
END $$
"""
POSTGRESQL_TRIGGERS = (
    ("waitlist_entries", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("waitlist_entries", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("appointments", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("appointments", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("appointments", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
    ("appointments", "TRUNCATE", ""),
)


def _pg_trigger_name(table: str, event: str) -> str:
    return f"{table}_first_visit_{event.lower()}"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    kind = "DATETIME" if sqlite else "TIMESTAMP WITHOUT TIME ZONE"
    op.execute(f"ALTER TABLE waitlist_entries ADD COLUMN first_visit_at {kind}")
    op.execute(FILL)
    op.execute(f"CREATE INDEX {INDEX} ON waitlist_entries (first_visit_at, program, referred_at)")
    if sqlite:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        return
    op.execute(POSTGRESQL_FUNCTION)
    for table, event, referencing in POSTGRESQL_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {_pg_trigger_name(table, event)} AFTER {event} ON {table} "
            f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION careboard_first_visits()"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in SQLITE_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS waitlist_first_visit_{name}")
    else:
        for table, event, _ in POSTGRESQL_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {_pg_trigger_name(table, event)} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS careboard_first_visits()")
    op.execute(f"DROP INDEX {INDEX}")
    op.execute("ALTER TABLE waitlist_entries DROP COLUMN first_visit_at")
