"""visit sequence rollup

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-26 11:20:00

One row per visit (``common.is_visit_row``: kept, not group) with the start of the client's
previous and next visit, whether the previous one was with the same clinician and the visit's
place in the client's sequence (by start, then appointment id). Continuity over a window then
reads index ranges instead of running a window function over every visit in it. Kept current
by the writers of appointments (``db.visit_sequence``); filled here from the existing rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
CHANGES = sa.text("same_clinician = 0")

FILL = """
INSERT INTO visit_sequence (appointment_id, client_id, clinician_id, start_at, prev_start_at,
                            next_start_at, same_clinician, seq)
SELECT appointment_id, client_id, clinician_id, start_at,
       lag(start_at) OVER w, lead(start_at) OVER w,
       CASE WHEN lag(clinician_id) OVER w IS NULL THEN NULL
            WHEN lag(clinician_id) OVER w = clinician_id THEN 1 ELSE 0 END,
       row_number() OVER w
FROM appointments
WHERE status = 'completed' AND service <> 'group'
WINDOW w AS (PARTITION BY client_id ORDER BY start_at, appointment_id)
"""


def upgrade() -> None:
    op.create_table(
        "visit_sequence",
        sa.Column("appointment_id", ID, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("clinician_id", ID, nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("prev_start_at", sa.DateTime(), nullable=True),
        sa.Column("next_start_at", sa.DateTime(), nullable=True),
        sa.Column("same_clinician", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("appointment_id", name=op.f("pk_visit_sequence")),
    )
    op.execute(FILL)
    op.create_index(
        "ix_visit_sequence_window",
        "visit_sequence",
        ["start_at", "prev_start_at", "next_start_at", "client_id", "seq"],
    )
    op.create_index(
        "ix_visit_sequence_client",
        "visit_sequence",
        ["client_id", "start_at", "clinician_id", "prev_start_at", "same_clinician"],
    )
    op.create_index(
        "ix_visit_sequence_changes",
        "visit_sequence",
        ["start_at", "client_id", "prev_start_at"],
        sqlite_where=CHANGES,
        postgresql_where=CHANGES,
    )


def downgrade() -> None:
    op.drop_index("ix_visit_sequence_changes", table_name="visit_sequence")
    op.drop_index("ix_visit_sequence_client", table_name="visit_sequence")
    op.drop_index("ix_visit_sequence_window", table_name="visit_sequence")
    op.drop_table("visit_sequence")
