"""covering index of held appointments by clinician

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 11:50:00

Open slots and third next available read, clinician by clinician and day by day, which
appointments hold a clinician's time: clinician, start and end, and the status and cancel lead
that decide whether an appointment is held (``common.is_held``). One index holds all five, in
that order, so a day of a clinician is one short index range and no table row is visited.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME = "ix_appointments_held_by_clinician"
COLUMNS = ["clinician_id", "start_at", "end_at", "status", "cancel_lead_min"]


def upgrade() -> None:
    op.create_index(NAME, "appointments", COLUMNS)


def downgrade() -> None:
    op.drop_index(NAME, table_name="appointments")
