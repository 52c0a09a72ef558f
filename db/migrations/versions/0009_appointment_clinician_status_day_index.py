"""appointments by clinician, status and day (SQLite); day-and-status statistics (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 04:55:00

Utilization and attendance per clinician (the caseloads table, the clinician rows) sum a
period's appointments by clinician and status, and feedback per clinician counts kept ones.
Read through the day index of 0007, SQLite sorted a year's 330,000 rows into those groups in a
temporary B-tree (0.16 s at 1,000,000 appointments; feedback 0.10 s). Indexed by clinician,
status and the start's date text, then carrying every column those reads and the filters use,
each is one short range per clinician and status, already in group order, with no sort and no
table row (0.06 s and 0.04 s; ``appointment_days._group_sums``, ``engagement._feedback``).
PostgreSQL aggregates by hash and needs no such index, but it guessed 100,000 groups of
(day, status) where a year has 4,000 (it keeps no statistics of an expression): it sorted two
years' rows on disk for the overview instead of hashing them (0.21 s -> 0.15 s). Statistics of
the pair's distinct values (``CREATE STATISTICS``, filled by the next ANALYZE) correct that.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME = "ix_appointments_clinician_status_day"
COLUMNS = (
    "clinician_id, status, substr(start_at, 1, 10), duration_min, cancel_lead_min, location, "
    "modality, client_id, start_at, feedback"
)


STATISTICS = "appointments_day_status"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE INDEX {NAME} ON appointments ({COLUMNS})")
    else:
        # The GROUP BY of appointment_days (start_day on PostgreSQL: CAST(start_at AS DATE)).
        op.execute(
            f"CREATE STATISTICS {STATISTICS} (ndistinct) "
            "ON (CAST(start_at AS DATE)), status FROM appointments"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP INDEX {NAME}")
    else:
        op.execute(f"DROP STATISTICS {STATISTICS}")
