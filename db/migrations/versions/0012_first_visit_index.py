"""first visits by start

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 13:00:00

Early engagement reads each client's first visit ever (the visit sequence rollup's rows with
``seq`` 1) in a span of days, and the next visit after it. Through the rollup's window index
the database read every visit of the span to keep the first ones (two years at 1,000,000
appointments: 600,000 rows for 30,000); this partial index holds the first visits only, with
the columns the read needs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FIRST = sa.text("seq = 1")


def upgrade() -> None:
    op.create_index(
        "ix_visit_sequence_first",
        "visit_sequence",
        ["start_at", "next_start_at", "client_id"],
        sqlite_where=FIRST,
        postgresql_where=FIRST,
    )


def downgrade() -> None:
    op.drop_index("ix_visit_sequence_first", table_name="visit_sequence")
