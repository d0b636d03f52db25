"""indexes for retention: tasks and sessions by updated_at

With BOSUN_TASK_RETENTION_DAYS set, each retention batch looks for ended tasks and idle
sessions older than the cutoff (server/db/retention.py); without these indexes every batch
scans both tables.

Revision ID: 0006_retention_indexes
Revises: 0005_memory_pgvector
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0006_retention_indexes"
down_revision: str | None = "0005_memory_pgvector"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_tasks_updated_at", "tasks", ["updated_at"], unique=False)
    op.create_index("ix_sessions_updated_at", "sessions", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sessions_updated_at", table_name="sessions")
    op.drop_index("ix_tasks_updated_at", table_name="tasks")
