"""each appointment's session feedback state, kept by triggers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 01:00:00

Feedback collected and low-alliance sessions count a period's kept appointments with scores.
Joined to session_feedback, a year at 1,000,000 appointments looked up 170,000 feedback rows
(0.13 s of SQL on SQLite, more on PostgreSQL). ``appointments.feedback`` holds the state of the
appointment's feedback row (``db.vocab.FEEDBACK_*``: 0 none or no score, 1 scored, 2 scored with
SRS below ``LOW_ALLIANCE_SRS``), set by triggers on every insert, update and delete of
session_feedback in the same statement, so no writer can leave it stale. On SQLite the day
index of 0007 is rebuilt with it, so the counts come from the index alone.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The values of db.vocab.FEEDBACK_NONE/SCORED/LOW and LOW_ALLIANCE_SRS when this was written.
STATE = (
    "CASE WHEN {row}.srs < 36 THEN 2 "
    "WHEN {row}.srs IS NOT NULL OR {row}.ors IS NOT NULL THEN 1 ELSE 0 END"
)
FILL_SQLITE = (
    f"UPDATE appointments SET feedback = (SELECT {STATE.format(row='f')} FROM session_feedback f "
    "WHERE f.appointment_id = appointments.appointment_id) "
    "WHERE appointment_id IN (SELECT appointment_id FROM session_feedback)"
)
FILL_POSTGRESQL = (
    f"UPDATE appointments a SET feedback = {STATE.format(row='f')} FROM session_feedback f "
    "WHERE f.appointment_id = a.appointment_id"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER session_feedback_state_insert AFTER INSERT ON session_feedback BEGIN "
    f"UPDATE appointments SET feedback = {STATE.format(row='NEW')} "
    "WHERE appointment_id = NEW.appointment_id; END",
    "CREATE TRIGGER session_feedback_state_update AFTER UPDATE ON session_feedback BEGIN "
    "UPDATE appointments SET feedback = 0 WHERE appointment_id = OLD.appointment_id; "
    f"UPDATE appointments SET feedback = {STATE.format(row='NEW')} "
    "WHERE appointment_id = NEW.appointment_id; END",
    "CREATE TRIGGER session_feedback_state_delete AFTER DELETE ON session_feedback BEGIN "
    "UPDATE appointments SET feedback = 0 WHERE appointment_id = OLD.appointment_id; END",
)
# PostgreSQL: one statement-level trigger per event over its transition tables, so a bulk
# insert (an import, COPY) updates the appointments once, not once per row.
# The function keeps the schema it was created in (a restore may run with an empty
# search_path); TRUNCATE of session_feedback clears every state.
POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION careboard_feedback_state() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE appointments SET feedback = 0 WHERE feedback <> 0;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE appointments a SET feedback = 0 FROM old_rows o
    WHERE a.appointment_id = o.appointment_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE appointments a SET feedback = {STATE.format(row="n")} FROM new_rows n
    WHERE a.appointment_id = n.appointment_id;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRESQL_TRIGGERS = (
    "CREATE TRIGGER session_feedback_state_insert AFTER INSERT ON session_feedback "
    "REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION careboard_feedback_state()",
    "CREATE TRIGGER session_feedback_state_update AFTER UPDATE ON session_feedback "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION careboard_feedback_state()",
    "CREATE TRIGGER session_feedback_state_delete AFTER DELETE ON session_feedback "
    "REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION careboard_feedback_state()",
    "CREATE TRIGGER session_feedback_state_truncate AFTER TRUNCATE ON session_feedback "
    "FOR EACH STATEMENT EXECUTE FUNCTION careboard_feedback_state()",
)
DAY_INDEX = "ix_appointments_day_status"
# 0007's columns and the feedback state; the first expression as ``sqlfn.start_day`` compiles.
DAY_COLUMNS = (
    "substr(start_at, 1, 10), status, start_at, duration_min, cancel_lead_min, clinician_id, "
    "location, modality, client_id"
)
TRIGGER_NAMES = ("insert", "update", "delete", "truncate")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute("ALTER TABLE appointments ADD COLUMN feedback SMALLINT NOT NULL DEFAULT 0")
    op.execute(FILL_SQLITE if sqlite else FILL_POSTGRESQL)
    if sqlite:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute(f"DROP INDEX {DAY_INDEX}")
        op.execute(f"CREATE INDEX {DAY_INDEX} ON appointments ({DAY_COLUMNS}, feedback)")
        return
    op.execute(POSTGRESQL_FUNCTION)
    for trigger in POSTGRESQL_TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in TRIGGER_NAMES:
        on = "" if sqlite else " ON session_feedback"
        op.execute(f"DROP TRIGGER IF EXISTS session_feedback_state_{name}{on}")
    if sqlite:
        op.execute(f"DROP INDEX {DAY_INDEX}")
        op.execute(f"CREATE INDEX {DAY_INDEX} ON appointments ({DAY_COLUMNS})")
    else:
        op.execute("DROP FUNCTION IF EXISTS careboard_feedback_state()")
    op.execute("ALTER TABLE appointments DROP COLUMN feedback")
