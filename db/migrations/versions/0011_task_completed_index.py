"""closed tasks by completion moment

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 07:20:00

The task queue lists closed tasks newest first, 500 at most. Without an index on the moment a
task closed, both databases read and sorted every closed task for those 500 (230,000 tasks at
1,000,000 appointments: 0.6-0.7 s on SQLite); walking this index from its newest end stops at
the 500th that passes the filters. Open tasks have no completion moment and sort after. The
front desk's list and a list filtered to one assignee walk (assignee, completion moment), the
one assignee's closed tasks already in order.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_tasks_completed_at": ["completed_at"],
    "ix_tasks_assignee_completed_at": ["assignee", "completed_at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tasks", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="tasks")
