"""partial indexes of visits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00

Visits (kept appointments of any type but group: ``common.is_visit_row``) are what continuity,
engagement, follow-up and the waitlist's intake waits look at. Two partial indexes hold only
them: one by client and start, so "a visit of this client in this window" is one index probe
instead of a walk through the client's cancelled and no-show rows; one by start, covering the
columns the continuity sequence needs, in the order it needs them (start, then appointment id),
so a period's visits come out ordered without touching the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The literal text of ``common.is_visit_row()``: a query must spell the same condition for the
# database to prove that the partial index holds every row it asks for.
VISIT_ROWS = "status = 'completed' AND service <> 'group'"


def _partial(name: str, columns: list[str]) -> None:
    where = sa.text(VISIT_ROWS)
    op.create_index(name, "appointments", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    _partial("ix_appointments_visits_client", ["client_id", "start_at"])
    _partial(
        "ix_appointments_visits_start", ["start_at", "appointment_id", "client_id", "clinician_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_appointments_visits_start", table_name="appointments")
    op.drop_index("ix_appointments_visits_client", table_name="appointments")
