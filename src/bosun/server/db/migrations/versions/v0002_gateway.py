"""model gateway: policy counters and metered LLM requests

Revision ID: 0002_gateway
Revises: 0001
Create Date: 2026-12-03 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_gateway"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "policy_counters",
        sa.Column("limit_key", sa.String(length=512), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "limit_key", "subject", "window_seconds", "window_start", name="pk_policy_counters"
        ),
    )
    op.create_table(
        "gateway_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agent_namespace", sa.String(length=63), nullable=False),
        sa.Column("agent_name", sa.String(length=253), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=256), nullable=False),
        sa.Column("api", sa.String(length=32), nullable=False),
        sa.Column("streamed", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gateway_requests"),
    )
    op.create_index(
        "ix_gateway_requests_created_at", "gateway_requests", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_gateway_requests_created_at", table_name="gateway_requests")
    op.drop_table("gateway_requests")
    op.drop_table("policy_counters")
