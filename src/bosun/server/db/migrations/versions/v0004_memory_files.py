"""agent memories and files

Revision ID: 0004_memory_files
Revises: 0003_audit
Create Date: 2027-01-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004_memory_files"
down_revision: str | None = "0003_audit"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "memories",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agent_namespace", sa.String(length=63), nullable=False),
        sa.Column("agent_name", sa.String(length=253), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("dims", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memories")),
    )
    op.create_index(
        "ix_memories_owner",
        "memories",
        ["agent_namespace", "agent_name", "user_id", "dims"],
        unique=False,
    )
    op.create_index("ix_memories_expires_at", "memories", ["expires_at"], unique=False)
    op.create_table(
        "files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("session_id", sa.String(length=255), nullable=True),
        sa.Column("task_id", sa.String(length=255), nullable=True),
        sa.Column("agent_namespace", sa.String(length=63), nullable=True),
        sa.Column("agent_name", sa.String(length=253), nullable=True),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
    )
    op.create_index("ix_files_user_id_session_id", "files", ["user_id", "session_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_files_user_id_session_id", table_name="files")
    op.drop_table("files")
    op.drop_index("ix_memories_expires_at", table_name="memories")
    op.drop_index("ix_memories_owner", table_name="memories")
    op.drop_table("memories")
